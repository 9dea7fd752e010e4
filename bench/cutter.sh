#!/usr/bin/env bash
# What one new document changes, with cutter version 2 and version 3, on a real corpus through the real CLI: this
# machine's dpkg package descriptions (Debian's own text, nobody here wrote it), sorted by name, with every HOLD-th
# package held out. Each environment applies the rest (maxRecords MAX_RECORDS, durable embedded PostgreSQL); then,
# one at a time, each held-out package goes back at its place by name, as a new package would, and `tradu plan`
# says how many blocks that adds and cancels. Nothing is applied between the insertions: every plan is against the
# same environment. Prints the fill and, per cutter, how many insertions added and cancelled 1, 2, 3, ... blocks.
#
# Usage: bench/cutter.sh [path/to/tradu]   (HOLD=N, default 9; MAX_RECORDS=N, default 16)
source "$(dirname "$0")/common.sh"
hold="${HOLD:-9}"
max_records="${MAX_RECORDS:-16}"
embedded_database
dpkg_corpus 100000 "$work/all.jsonl"
"$python" - "$work/all.jsonl" "$hold" "$work/manifests/data/packages.jsonl" "$work/held.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
hold = int(sys.argv[2])
kept = [line for i, line in enumerate(lines) if i % hold != hold // 2]
open(sys.argv[3], "w").write("".join(line + "\n" for line in kept))
open(sys.argv[4], "w").write("".join(f"{i}\n" for i in range(len(lines)) if i % hold == hold // 2))
PY
echo "corpus: $(wc -l < "$work/all.jsonl") package descriptions from /var/lib/dpkg/status," \
    "$(wc -l < "$work/held.txt") held out and inserted one at a time; maxRecords $max_records"

for cutter in 2 3; do
    pseudo_project "cutter$cutter" packages.jsonl "{maxRecords: $max_records, cutter: $cutter}"
    cp "$work/manifests/data/packages.jsonl" "$work/base.jsonl"
    (cd "$work" && "$tradu" apply -e "cutter$cutter" --auto-approve --log-level error > "$work/apply.out") || {
        cat "$work/apply.out"; exit 1; }
    fill="$(cd "$work" && "$tradu" plan -e "cutter$cutter" -o json --log-level error |
        "$python" -c "import json, sys; print(round(json.load(sys.stdin)['datasets'][0]['recordsPerBlock'], 1))")"
    : > "$work/changes-$cutter.txt"
    while read -r index; do
        "$python" - "$work/all.jsonl" "$work/base.jsonl" "$index" "$hold" "$work/manifests/data/packages.jsonl" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
base = open(sys.argv[2]).read().splitlines()
index, hold = int(sys.argv[3]), int(sys.argv[4])
# Held-out lines before this one are not in the base: its place there is its index less those.
position = index - sum(1 for i in range(index) if i % hold == hold // 2)
base.insert(position, lines[index])
open(sys.argv[5], "w").write("".join(line + "\n" for line in base))
PY
        (cd "$work" && "$tradu" plan -e "cutter$cutter" -o json --log-level error) |
            "$python" -c "import json, sys; s = json.load(sys.stdin)['summary']; print(s['add'], s['cancel'])" \
                >> "$work/changes-$cutter.txt"
    done < "$work/held.txt"
    cp "$work/base.jsonl" "$work/manifests/data/packages.jsonl"
    "$python" - "$work/changes-$cutter.txt" "$cutter" "$fill" "$max_records" <<'PY'
import collections, sys
pairs = [tuple(map(int, line.split())) for line in open(sys.argv[1])]
def histogram(values):
    counts = collections.Counter(values)
    return ", ".join(f"{k}: {n}" for k, n in sorted(counts.items()))
added = [add for add, _ in pairs]
cancelled = [cancel for _, cancel in pairs]
print(f"cutter {sys.argv[2]}: {sys.argv[3]} records per block of {sys.argv[4]}; {len(pairs)} insertions")
print(f"  blocks added per insertion (to process):  {histogram(added)}")
print(f"  blocks cancelled per insertion:           {histogram(cancelled)}")
print(f"  insertions that changed more than 3 blocks (added or cancelled):"
      f" {sum(1 for a, c in pairs if max(a, c) > 3)}; at worst {max(max(a, c) for a, c in pairs)}")
PY
done
