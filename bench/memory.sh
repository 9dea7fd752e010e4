#!/usr/bin/env bash
# What translation memory saves on a real corpus: document-level memory (segmentation: document) against
# sentence-level memory (segmentation: sentence), on 1,000 of Debian's English package descriptions (apt's
# Translation-en, text nobody here wrote), against an OpenAI-compatible server on 127.0.0.1 (bench/fake_openai.py)
# that counts requests, segments, their characters and prompt tokens. Two samples: 1,000 consecutive packages
# (a product family: related packages share boilerplate) and 1,000 spread over the whole archive (every 64th).
# Each run starts from an empty memory (its own environment), so the saving comes from repeats within the sample.
#
# Usage: bench/memory.sh [path/to/tradu]   (default: .build/release/tradu, else .build/debug/tradu)
# Needs apt's English descriptions: fetched with `apt-get update -o Acquire::Languages=en` when missing.
source "$(dirname "$0")/common.sh"
corpus="$(ls /var/lib/apt/lists/*_debian_dists_*_main_i18n_Translation-en* 2>/dev/null | grep -v security | grep -v updates | head -1 || true)"
if [ -z "$corpus" ]; then
    apt-get update -o Acquire::Languages=en >/dev/null
    corpus="$(ls /var/lib/apt/lists/*_debian_dists_*_main_i18n_Translation-en* | grep -v security | grep -v updates | head -1)"
fi
case "$corpus" in
    *.lz4) decompress=(lz4cat) ;;
    *.xz) decompress=(xzcat) ;;
    *.gz) decompress=(zcat) ;;
    *) decompress=(cat) ;;
esac
cat > "$work/extract.py" <<'PY'
import json, sys
documents, current = [], None
def flush():
    if current is not None:
        documents.append(current)
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("Package: "):
        flush()
        current = {"id": line.split(":", 1)[1].strip(), "lines": []}
    elif line.startswith("Description-en: ") and current is not None:
        current["lines"] = [line.split(":", 1)[1].strip(), ""]
    elif line.startswith(" ") and current is not None:
        current["lines"].append("" if line == " ." else line[1:])
flush()
records = [{"id": d["id"], "text": "\n".join(d["lines"])} for d in documents if d["lines"]]
start = next(i for i, r in enumerate(records) if r["id"].startswith("libg"))
samples = {"consecutive": records[start:start + 1000], "spread": records[::64][:1000]}
for name, sample in samples.items():
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as out:
        for record in sample:
            out.write(json.dumps(record) + "\n")
print(f"corpus: {len(records)} package descriptions from apt's Translation-en")
PY
"${decompress[@]}" "$corpus" | "$python" "$work/extract.py" "$work/manifests/data"

"$python" "$root/bench/fake_openai.py" --stats "$work/stats.json" --same-length > "$work/port" &
started $!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(cat "$work/port")"

totals() { # requests, segments, segment characters, prompt and completion tokens the server counted so far
    if [ -s "$work/stats.json" ]; then
        "$python" -c "import json; s = json.load(open('$work/stats.json')); print(s['requests'], s['segments'], s['segmentCharacters'], s['promptTokens'], s['completionTokens'])"
    else
        echo 0 0 0 0 0
    fi
}

run() { # sample segmentation maxSegmentsPerRequest: prints this run's requests, segments, characters, tokens in, out
    read -r r0 s0 c0 p0 o0 < <(totals)
    local env="$1-$2"
    cat > "$work/manifests/project.yaml" <<YAML
$(environment_yaml "$env")
apiVersion: tradu/v1
kind: Dataset
metadata: {name: packages}
spec: {source: {path: data/$1.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 16}}
---
apiVersion: tradu/v1
kind: Engine
metadata: {name: llm}
spec:
  type: openai
  model: bench-model
  endpoint: http://127.0.0.1:$port/v1
  maxSegmentsPerRequest: $3
$(describe_pipeline "  segmentation: $2")
YAML
    (cd "$work" && TRADU_HOME="$work/home" "$tradu" plan -e "$env" --log-level error > "$work/$env.plan" 2>&1) || {
        cat "$work/$env.plan" >&2; exit 1; }
    (cd "$work" && TRADU_HOME="$work/home" "$tradu" up -e "$env" --log-level error > "$work/$env.out" 2>&1) || {
        cat "$work/$env.out" >&2; exit 1; }
    read -r r1 s1 c1 p1 o1 < <(totals)
    echo $((r1 - r0)) $((s1 - s0)) $((c1 - c0)) $((p1 - p0)) $((o1 - o0))
}

pct() { echo "$(( ($2 - $1) * 100 / $1 ))%"; }

for sample in consecutive spread; do
    chars="$("$python" -c "import json; print(sum(len(json.loads(l)['text']) for l in open('$work/manifests/data/$sample.jsonl')))")"
    read -r dr ds dc dp dout < <(run "$sample" document 16)
    read -r sr ss sc sp sout < <(run "$sample" sentence 128)
    # USD at 2.50 per million input tokens and 10 per million output tokens, in millionths.
    dcost=$(( dp * 5 / 2 + dout * 10 ))
    scost=$(( sp * 5 / 2 + sout * 10 ))
    printf '\n1,000 %s package descriptions (%s characters), maxRecords 16, empty memory\n' "$sample" "$chars"
    printf '%-40s %12s %12s %8s\n' "" "document" "sentence" "change"
    printf '%-40s %12s %12s %8s\n' "engine requests" "$dr" "$sr" "$(pct "$dr" "$sr")"
    printf '%-40s %12s %12s %8s\n' "segments sent" "$ds" "$ss" ""
    printf '%-40s %12s %12s %8s\n' "characters sent" "$dc" "$sc" "$(pct "$dc" "$sc")"
    printf '%-40s %12s %12s %8s\n' "prompt tokens (chars/4 of each message)" "$dp" "$sp" "$(pct "$dp" "$sp")"
    printf '%-40s %12s %12s %8s\n' "completion tokens" "$dout" "$sout" "$(pct "$dout" "$sout")"
    printf '%-40s %12s %12s %8s\n' "USD at 2.50 in / 10 out per 1M tokens" "$(printf '%d.%06d' $((dcost / 1000000)) $((dcost % 1000000)))" "$(printf '%d.%06d' $((scost / 1000000)) $((scost % 1000000)))" "$(pct "$dcost" "$scost")"
    echo "plan, sentence: $(grep "engine llm:" "$work/$sample-sentence.plan" | sed "s/^ *//")"
    echo "run summary, sentence: $(grep translated "$work/$sample-sentence.out" | sed "s/^ *//")"
done
