#!/usr/bin/env bash
# Two builds of tradu-bench measured side by side, the same hour on the same machine: `tradu-bench run` of each,
# interleaved (the order alternates every round), at each size, then the medians and ranges of both and the change.
# Single runs on a small machine vary by +-25%, so only runs made together compare.
#
#   bash bench/same_day.sh [BASE]    BASE: a commit (default 0639278, the build issue 9 first measured)
#
# Environment: ROUNDS (default 3), SIZES (default "20000 200000"), PGBENCH_SECONDS (default 15),
# BASE_BENCH (a tradu-bench binary of BASE already built: skips the build), KEEP_WORK (keep the runs' outputs).
# BASE is built in a temporary git worktree (a release build takes minutes); this checkout's tradu-bench is built
# too. Both builds finish before the first run, so no compiler competes with a measurement. Each run starts its own
# durable embedded PostgreSQL (fsync on), as tradu-bench does by default.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base_ref="${1:-0639278}"
rounds="${ROUNDS:-3}"
sizes="${SIZES:-20000 200000}"
pgbench_seconds="${PGBENCH_SECONDS:-15}"
work="$(mktemp -d /tmp/tradu-same-day-bench.XXXXXX)"
worktree="$work/base"
cleanup() {
    git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "outputs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

base_bench="${BASE_BENCH:-}"
if [ -z "$base_bench" ]; then
    echo "building tradu-bench at $base_ref (release) in $worktree" >&2
    git -C "$root" worktree add --detach "$worktree" "$base_ref" >/dev/null
    (cd "$worktree" && swift build -c release --product tradu-bench >"$work/base-build.log" 2>&1) \
        || { tail -20 "$work/base-build.log" >&2; exit 1; }
    base_bench="$worktree/.build/release/tradu-bench"
fi
echo "building this checkout's tradu-bench (release)" >&2
(cd "$root" && swift build -c release --product tradu-bench >"$work/head-build.log" 2>&1) \
    || { tail -20 "$work/head-build.log" >&2; exit 1; }
head_bench="$root/.build/release/tradu-bench"
head_ref="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- Sources Package.swift || echo '+changes')"
base_ref="$(git -C "$root" rev-parse --short "$base_ref" 2>/dev/null || echo "$base_ref")"

mkdir -p "$work/runs"
run() { # build binary blocks round
    local out="$work/runs/$1-$3-r$4.txt"
    "$2" run --blocks "$3" --pgbench-seconds "$pgbench_seconds" --work-directory "$work" >"$out" 2>&1 \
        || { echo "run failed: $1 $3 round $4 (see $out)" >&2; tail -5 "$out" >&2; exit 1; }
    echo "$(date +%T) round $4: $1, $3 blocks" >&2
}
for round in $(seq 1 "$rounds"); do
    for blocks in $sizes; do
        if [ $((round % 2)) -eq 1 ]; then
            run base "$base_bench" "$blocks" "$round"; run head "$head_bench" "$blocks" "$round"
        else
            run head "$head_bench" "$blocks" "$round"; run base "$base_bench" "$blocks" "$round"
        fi
    done
done

python3 - "$work/runs" "$base_ref" "$head_ref" "$rounds" $sizes <<'EOF'
import glob, re, statistics, sys

runs, base_ref, head_ref, rounds, sizes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
# (label, pattern of tradu-bench run's text output, format); both builds print these lines alike.
figures = [
    ("blocks/s processing", r"blocks/s processing \(enqueue -> last block final\)\s+([\d,.]+)", "{:,.0f}"),
    ("blocks/s end to end (apply included)", r"blocks/s end to end \(apply included\)\s+([\d,.]+)", "{:,.0f}"),
    ("`pgbench -N` TPS, same server, same run", r"pgbench -N TPS \(c4 j2\)\s+([\d,.]+)", "{:,.0f}"),
    ("blocks/s ÷ `pgbench -N` TPS", r"blocks/s / pgbench TPS\s+([\d,.]+)", "{:.2f}"),
    ("server CPU per block (µs)", r"server CPU per block\s+([\d,.]+)", "{:,.0f}"),
    ("client CPU per block (µs)", r"client CPU per block\s+([\d,.]+)", "{:,.0f}"),
    ("WAL per block, run (B)", r"WAL per block \(run\)\s+([\d,.]+)", "{:,.0f}"),
    ("WAL per block, apply (B)", r"WAL per block \(apply\)\s+([\d,.]+)", "{:,.0f}"),
    ("rows written per block", r"rows written per block \(run\)\s+([\d,.]+)", "{:.2f}"),
    ("index tuples read per claim", r"claim index tuples read per scan\s+([\d,.]+)", "{:,.0f}"),
    ("table + index bytes per block (B)", r"table \+ index bytes per block \(end\)\s+([\d,.]+)", "{:,.0f}"),
]

def values(build, blocks, pattern):
    found = []
    for path in sorted(glob.glob(f"{runs}/{build}-{blocks}-r*.txt")):
        match = re.search(pattern, open(path).read())
        if match:
            found.append(float(match.group(1).replace(",", "")))
    return found

def cell(found, form):
    if not found:
        return "n/a"
    text = form.format(statistics.median(found))
    return text if len(found) == 1 else f"{text} [{form.format(min(found))} .. {form.format(max(found))}]"

print(f"tradu-bench run, {base_ref} against {head_ref}, {rounds} interleaved rounds, medians [min .. max];")
print("durable embedded PostgreSQL (fsync and synchronous commit on, shared_buffers 1 GB), 4 worker slots")
for blocks in sizes:
    print(f"\n{int(blocks):,} blocks\n")
    print(f"| figure | {base_ref} | {head_ref} | change |")
    print("|---|---|---|---|")
    for label, pattern, form in figures:
        before, after = values("base", blocks, pattern), values("head", blocks, pattern)
        change = ""
        if before and after and statistics.median(before):
            change = f"{(statistics.median(after) / statistics.median(before) - 1) * 100:+.0f}%".replace("-", "−")
        print(f"| {label} | {cell(before, form)} | {cell(after, form)} | {change} |")
EOF
