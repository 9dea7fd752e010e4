#!/usr/bin/env bash
# What the Batch API saves: the same 200 package descriptions (this machine's dpkg database) translated through
# an OpenAI-compatible server answering at once (mode: sync, bench/fake_openai.py) and through a fake of OpenAI's
# Files and Batches API (mode: batch, Tests/TraduAppTests/Fixtures/engines/fake_batch_api.py), both on
# 127.0.0.1, both counting tokens the same way (characters / 4 of every message), priced at 2.50 / 10 USD per
# million input / output tokens with the batch discount at 0.5. Prints what `tradu status` recorded for each run.
# Counts and prices, not a speed figure (a real batch takes minutes to hours; the fake answers at the first poll).
#
# Usage: bench/batch.sh [path/to/tradu]   (default: .build/release/tradu, else .build/debug/tradu)
source "$(dirname "$0")/common.sh"
dpkg_corpus 200 "$work/manifests/data/packages.jsonl"

"$python" "$root/bench/fake_openai.py" --stats "$work/sync-stats.json" > "$work/sync-port" &
started $!
"$python" "$root/Tests/TraduAppTests/Fixtures/engines/fake_batch_api.py" --stats "$work/batch-stats.json" > "$work/batch-port" &
started $!
for _ in $(seq 50); do [ -s "$work/sync-port" ] && [ -s "$work/batch-port" ] && break; sleep 0.1; done

run() { # mode port: prints input tokens, output tokens, cost and seconds from tradu status
    cat > "$work/manifests/project.yaml" <<YAML
$(environment_yaml "$1")
apiVersion: tradu/v1
kind: Dataset
metadata: {name: packages}
spec: {source: {path: data/packages.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 16}}
---
apiVersion: tradu/v1
kind: Engine
metadata: {name: llm}
spec:
  type: openai
  model: fr
  endpoint: http://127.0.0.1:$2/v1
  mode: $1
  pricing: {inputPerMillionTokens: 2.5, outputPerMillionTokens: 10, batchDiscount: 0.5}
$( [ "$1" = batch ] && echo "  batch: {pollInterval: 1s}" )
$(describe_pipeline)
YAML
    local start end
    start=$(date +%s.%N)
    (cd "$work" && TRADU_HOME="$work/home" "$tradu" up -e "$1" --log-level error > "$work/$1.out" 2>&1) || {
        cat "$work/$1.out" >&2; exit 1; }
    end=$(date +%s.%N)
    (cd "$work" && TRADU_HOME="$work/home" "$tradu" status -e "$1" -o json) | "$python" -c "
import json, sys
spend = json.load(sys.stdin)['pipelines'][0]['spend']
print(spend['inputTokens'], spend['outputTokens'], '%.4f' % spend['cost'], '%.1f' % ($end - $start))"
}

read -r si so sc st < <(run sync "$(cat "$work/sync-port")")
read -r bi bo bc bt < <(run batch "$(cat "$work/batch-port")")
batches="$("$python" -c "import json; print(json.load(open('$work/batch-stats.json'))['batchesCreated'])")"
printf '\n200 package descriptions, maxRecords 16, 2.50 / 10 USD per 1M tokens\n'
printf '%-28s %12s %12s\n' "" "sync" "batch"
printf '%-28s %12s %12s\n' "input tokens" "$si" "$bi"
printf '%-28s %12s %12s\n' "output tokens" "$so" "$bo"
printf '%-28s %12s %12s\n' "cost recorded (USD)" "$sc" "$bc"
printf '%-28s %12s %12s\n' "provider batches" "-" "$batches"
printf '%-28s %12s %12s\n' "wall time of tradu up (s)" "$st" "$bt"
