#!/usr/bin/env bash
# What lease renewals cost when the engine is slow, as real model calls are: BLOCKS package descriptions (default
# 600, this machine's dpkg database) translated one a block through an OpenAI-compatible server on 127.0.0.1 that
# waits LATENCY seconds (default 3) before each answer (bench/fake_openai.py --latency), by `tradu run` with
# CONCURRENCY slots and as many calls at once (default 32) and a lease of 2 s renewed every second, so that each
# block is renewed while its call runs and while it waits for a slot. Runs twice on one durable embedded PostgreSQL: first as the schema stood before
# migration 19 (the reference: the index of leased blocks by expiry, `blocks_leased`, created again after the
# apply), then as tradu migrates it. Prints, for each: the updates of `blocks` and how many were HOT, the WAL per
# block, and the size of `blocks`' indexes at the end.
#
# Usage: bench/lease_renewals.sh [path/to/tradu]
source "$(dirname "$0")/common.sh"
blocks="${BLOCKS:-600}"
latency="${LATENCY:-3}"
concurrency="${CONCURRENCY:-32}"
embedded_database
dpkg_corpus "$blocks" "$work/manifests/data/packages.jsonl"
"$python" "$root/bench/fake_openai.py" --stats "$work/stats.json" --latency "$latency" > "$work/port" &
started $!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done

run() { # env, with-expiry-index (yes/no): prints one line of figures
    local env="$1" schema="tradu_$1"
    cat > "$work/manifests/project.yaml" <<YAML
$(environment_yaml "$env")
apiVersion: tradu/v1
kind: Dataset
metadata: {name: packages}
spec: {source: {path: data/packages.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 1}}
---
apiVersion: tradu/v1
kind: Engine
metadata: {name: llm}
spec: {type: openai, model: fr, endpoint: "http://127.0.0.1:$(cat "$work/port")/v1", concurrency: $concurrency}
$(describe_pipeline "  lease: {duration: 2s, heartbeat: 1s}")
YAML
    (cd "$work" && "$tradu" apply -e "$env" --auto-approve --log-level error > "$work/$env.apply" 2>&1) || {
        cat "$work/$env.apply" >&2; exit 1; }
    if [ "$2" = yes ]; then
        psql_ "CREATE INDEX blocks_leased ON $schema.blocks (lease_expires_at) WHERE state = 'in_process'"
    fi
    local stats="SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = '$schema' AND relname = 'blocks'"
    local lsn0 before start end
    sleep 1.5 # the apply's statistics reach the server within a second of its exit
    before="$(psql_ "$stats")"
    lsn0="$(psql_ "SELECT pg_current_wal_lsn()")"
    start=$(date +%s.%N)
    (cd "$work" && "$tradu" run -e "$env" --concurrency "$concurrency" --log-level error > "$work/$env.run" 2>&1) || {
        cat "$work/$env.run" >&2; exit 1; }
    end=$(date +%s.%N)
    local wal
    wal="$(psql_ "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')")"
    sleep 1.5
    local after indexes completed
    after="$(psql_ "$stats")"
    indexes="$(psql_ "SELECT pg_indexes_size('$schema.blocks')")"
    completed="$(psql_ "SELECT count(*) FROM $schema.blocks WHERE state = 'completed'")"
    "$python" - "$env" "$2" "$blocks" "$completed" "$before" "$after" "$wal" "$indexes" "$start" "$end" <<'PY'
import sys
env, indexed, blocks, completed, before, after, wal, indexes, start, end = sys.argv[1:]
blocks, completed = int(blocks), int(completed)
u0, h0 = map(int, before.split("|"))
u1, h1 = map(int, after.split("|"))
updates, hot = u1 - u0, h1 - h0
print(f"{'reference (blocks_leased)' if indexed == 'yes' else 'tradu (migration 19)':27s} {completed:>6,} "
      f"{float(end) - float(start):>7.1f} s {updates / blocks:>9.2f} {hot / blocks:>6.2f} "
      f"{100 * hot / max(updates, 1):>5.0f}% {int(float(wal)) / blocks:>10,.0f} B {int(indexes) / blocks:>10,.0f} B")
PY
    [ "$completed" = "$blocks" ] || { echo "only $completed of $blocks blocks completed" >&2; exit 1; }
}

echo "lease renewals: $blocks blocks, engine latency ${latency} s, $concurrency slots, lease 2 s renewed every 1 s,"
echo "durable embedded PostgreSQL (fsync on); figures per block: updates of blocks, HOT ones, WAL of the run,"
echo "blocks' index bytes at the end"
printf '%-27s %6s %9s %9s %6s %6s %12s %12s\n' "schema" "blocks" "run" "updates" "HOT" "HOT%" "WAL" "index bytes"
run reference yes
run tradu no
