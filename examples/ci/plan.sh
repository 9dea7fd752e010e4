#!/usr/bin/env bash
# Pull request: validate the manifests, plan every environment given, save each plan for the merge job and write
# one markdown comment for reviewers.
#
#   examples/ci/plan.sh OUT_DIR ENV [ENV...]
#
# Writes OUT_DIR/<ENV>.plan.json (upload them as the pull request's artifact) and OUT_DIR/comment.md.
# Exit 0 when every plan was made (with or without changes), 1 on an error (invalid manifests or data).
set -euo pipefail
tradu="${TRADU:-tradu}"
out="${1:?usage: plan.sh OUT_DIR ENV [ENV...]}"
shift
[ "$#" -gt 0 ] || { echo "usage: plan.sh OUT_DIR ENV [ENV...]" >&2; exit 1; }
mkdir -p "$out"
"$tradu" validate
: > "$out/comment.md"
for env in "$@"; do
    status=0
    "$tradu" plan -e "$env" --out "$out/$env.plan.json" -o markdown --detailed-exitcode \
        --artifact "$env.plan.json (this run's plan artifact)" > "$out/$env.md" || status=$?
    # --detailed-exitcode: 0 no changes, 2 changes; anything else is an error.
    if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
        echo "plan for $env failed (exit $status)" >&2
        exit 1
    fi
    cat "$out/$env.md" >> "$out/comment.md"
    echo >> "$out/comment.md"
done
echo "Plans saved under $out; comment in $out/comment.md"
