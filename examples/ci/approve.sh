#!/usr/bin/env bash
# Approval: record that the person running this (TRADU_ACTOR) approves promoting FROM's current freight to TO.
#
#   examples/ci/approve.sh TO "why"
#
# Run it as the approver, never as the identity that promotes: tradu refuses an approval by the promoter unless
# the target sets promotion.allowSelfApproval.
set -euo pipefail
tradu="${TRADU:-tradu}"
target="${1:?usage: approve.sh TO MESSAGE}"
message="${2:?usage: approve.sh TO MESSAGE}"
# The dry run names the freight it would promote; it exits 2 (changes) or 3 (a gate, e.g. this approval, is
# missing) and still prints its JSON.
report="$("$tradu" promote --to "$target" --dry-run -o json 2>/dev/null || true)"
freight="$(printf '%s' "$report" | python3 -c 'import json, sys; print(json.load(sys.stdin)["freight"])')"
"$tradu" approve --env "$target" --freight "$freight" -m "$message"
