#!/usr/bin/env bash
# Merge: apply exactly the plan that was reviewed on the pull request, never a new one.
#
#   examples/ci/apply-reviewed-plan.sh PLAN_FILE
#
# tradu re-computes the plan under the environment's lock and applies it only if it is still the reviewed one.
# If the environment or the data moved since (another merge, an edited dataset), it refuses with exit 3 and this
# job fails: re-run the pull request's plan job, review the new plan, merge again. Nothing is re-planned silently.
set -uo pipefail
tradu="${TRADU:-tradu}"
plan="${1:?usage: apply-reviewed-plan.sh PLAN_FILE}"
message="${TRADU_APPLY_MESSAGE:-reviewed plan ${plan##*/}}"
"$tradu" apply "$plan" -m "$message"
status=$?
if [ "$status" -eq 3 ]; then
    echo "::error::The reviewed plan $plan is stale: the environment or its data changed after the review." \
        "Re-run the pull request's plan job, review the new plan, and merge again." >&2
fi
exit "$status"
