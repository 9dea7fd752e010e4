#!/usr/bin/env bash
# Promotion: move the freight FROM validated to TO through TO's gates, as the CI identity (TRADU_ACTOR).
#
#   examples/ci/promote.sh FROM TO
#
# Exit 0 promoted (or nothing to do), 3 refused (a gate, parity, changed data, a rejected freight, a held lock:
# the log says which), 1 error.
set -uo pipefail
tradu="${TRADU:-tradu}"
from="${1:?usage: promote.sh FROM TO}"
to="${2:?usage: promote.sh FROM TO}"
"$tradu" promote --from "$from" --to "$to" --auto-approve --lock-timeout "${TRADU_LOCK_TIMEOUT:-5m}" \
    -m "${TRADU_PROMOTE_MESSAGE:-promoted by CI}"
status=$?
if [ "$status" -eq 3 ]; then
    echo "::error::tradu refused to promote $from to $to: see the refusals above." >&2
fi
exit "$status"
