#!/usr/bin/env bash
# What block filling and structured outputs change on a real corpus, against an OpenAI-compatible server on
# 127.0.0.1 (bench/fake_openai.py): 200 package descriptions from this machine's dpkg database (Debian's own
# text, nobody here wrote it), cut with cutter version 1 and version 2 (maxRecords 16 = maxSegmentsPerRequest, so
# one request per block), then one request with structured outputs (responseFormat jsonSchema) and one without
# (text). Prints requests and prompt tokens side by side, and the two request bodies.
#
# Usage: bench/cost.sh [path/to/tradu]   (default: .build/release/tradu, else .build/debug/tradu)
source "$(dirname "$0")/common.sh"
dpkg_corpus 200 "$work/manifests/data/packages.jsonl"
echo "corpus: $(wc -l < "$work/manifests/data/packages.jsonl") package descriptions from /var/lib/dpkg/status, $(wc -c < "$work/manifests/data/packages.jsonl") bytes"

"$python" "$root/bench/fake_openai.py" --stats "$work/stats.json" > "$work/port" &
started $!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"

totals() { # requests, prompt and completion tokens the server counted so far
    if [ -s "$work/stats.json" ]; then
        "$python" -c "import json; s = json.load(open('$work/stats.json')); print(s['requests'], s['promptTokens'], s['completionTokens'])"
    else
        echo 0 0 0
    fi
}

run() { # environment cutter responseFormat maxSegmentsPerRequest: prints this run's requests and tokens
    read -r r0 p0 c0 < <(totals)
    cat > "$work/manifests/project.yaml" <<YAML
$(environment_yaml "$1")
apiVersion: tradu/v1
kind: Dataset
metadata: {name: packages}
spec: {source: {path: data/packages.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 16, cutter: $2}}
---
apiVersion: tradu/v1
kind: Engine
metadata: {name: llm}
spec:
  type: openai
  model: bench-model
  endpoint: http://127.0.0.1:$port/v1
  responseFormat: $3
  maxSegmentsPerRequest: $4
$(describe_pipeline)
YAML
    (cd "$work" && TRADU_HOME="$work/home" "$tradu" up -e "$1" --log-level error > "$work/$1.out" 2>&1) || {
        cat "$work/$1.out"; exit 1; }
    read -r r1 p1 c1 < <(totals)
    echo $((r1 - r0)) $((p1 - p0)) $((c1 - c0))
}

read -r v1_requests v1_prompt v1_completion < <(run cutter1 1 jsonSchema 16)
blocks1="$(grep -o '[0-9]* blocks completed' "$work/cutter1.out" | cut -d' ' -f1)"
read -r v2_requests v2_prompt v2_completion < <(run cutter2 2 jsonSchema 16)
blocks2="$(grep -o '[0-9]* blocks completed' "$work/cutter2.out" | cut -d' ' -f1)"
cp "$work/stats.json" "$work/schema-stats.json"
read -r _ _ _ < <(run text 2 text 1)

printf '\n%-44s %14s %14s %8s\n' "200 documents, maxRecords 16, one language" "cutter 1" "cutter 2" "change"
printf '%-44s %14s %14s %7s%%\n' "blocks" "$blocks1" "$blocks2" "$(( (blocks2 - blocks1) * 100 / blocks1 ))"
printf '%-44s %14s %14s %7s%%\n' "requests" "$v1_requests" "$v2_requests" "$(( (v2_requests - v1_requests) * 100 / v1_requests ))"
printf '%-44s %14s %14s %7s%%\n' "prompt tokens (chars/4 of every message)" "$v1_prompt" "$v2_prompt" "$(( (v2_prompt - v1_prompt) * 100 / v1_prompt ))"
printf '%-44s %14s %14s\n' "completion tokens" "$v1_completion" "$v2_completion"
echo
echo "A request body with structured outputs (responseFormat: jsonSchema), segments shortened:"
"$python" - "$work/schema-stats.json" json_schema <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))["firstBody"][sys.argv[2]]
user = json.loads(body["messages"][-1]["content"])
user["segments"] = user["segments"][:2]
body["messages"][-1]["content"] = json.dumps(user)[:300] + "…"
body["messages"][0]["content"] = body["messages"][0]["content"][:120] + "…"
ids = body["response_format"]["json_schema"]["schema"]["properties"]["translations"]["items"]["properties"]["id"]
ids["enum"] = ids["enum"][:3] + ["…"]
print(json.dumps(body, indent=2))
PY
echo
echo "The same document without structured outputs (responseFormat: text, one segment per request):"
"$python" - "$work/stats.json" text <<'PY'
import json, sys
body = json.load(open(sys.argv[1]))["firstBody"][sys.argv[2]]
body["messages"][0]["content"] = body["messages"][0]["content"][:120] + "…"
print(json.dumps(body, indent=2))
PY
