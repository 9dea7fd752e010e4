#!/usr/bin/env bash
# What the API's event-stream reader costs the database: `tradu run` of RUN_BLOCKS one-document blocks (default
# 20,000, `pseudo` engine) while `tradu serve` streams every transition to CLIENTS curl clients (default 100), then
# the reader's statements' execution time from pg_stat_statements, as a share of one core over the run. Needs a
# PostgreSQL with pg_stat_statements loaded (`shared_preload_libraries`), given as TRADU_DATABASE_URL; a schema
# per run is left in it.
#
# Usage: TRADU_DATABASE_URL=postgresql://... bench/stream-reader.sh [path/to/tradu]
source "$(dirname "$0")/common.sh"
: "${TRADU_DATABASE_URL:?a PostgreSQL with pg_stat_statements loaded}"
export TRADU_DATABASE_URL
run_blocks="${RUN_BLOCKS:-20000}"
clients="${CLIENTS:-100}"
env="reader$(date +%s)"
psql_() { psql "$TRADU_DATABASE_URL" -Atq -c "$1"; }
psql_ "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_stat_statements" > /dev/null
short_documents "$run_blocks" "$work/manifests/data/run.jsonl"
one_document_project "$env" run.jsonl
(cd "$work" && "$tradu" apply -e "$env" --auto-approve --log-level error > /dev/null)
(cd "$work" && exec "$tradu" serve -e "$env" --public-read --addr 127.0.0.1:0 --log-level error > "$work/serve.out" 2>&1) &
started $!
for _ in $(seq 100); do grep -q "Serving the API" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
api="$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)"
streams="$(mktemp -d /dev/shm/tradu-stream-reader.XXXXXX)"
trap 'rm -rf "$streams"; cleanup' EXIT
for i in $(seq "$clients"); do
    curl -sN -o "$streams/$i.txt" "$api/api/v1/events?env=$env" &
    started $!
done
sleep 2
psql_ "SELECT pg_stat_statements_reset()" > /dev/null
start="$(date +%s.%N)"
(cd "$work" && "$tradu" run -e "$env" --log-level error > "$work/run.out" 2>&1)
end="$(date +%s.%N)"
sleep 3
seen="$(grep -c '^id: ' "$streams/1.txt" || true)"
psql_ "SELECT round(coalesce(sum(total_exec_time), 0)::numeric, 1), coalesce(sum(calls), 0) FROM pg_stat_statements
       WHERE query LIKE '%FROM block_events WHERE id > %' OR query LIKE '%FROM blocks WHERE id = ANY%'" |
    awk -F'|' -v s="$start" -v e="$end" -v seen="$seen" -v n="$run_blocks" -v c="$clients" '{
        printf "run of %d blocks: %.1f s; the reader'\''s statements: %s ms in %s calls, %.2f%% of one core; client 1 of %d saw %s transitions\n",
            n, e - s, $1, $2, $1 / ((e - s) * 10), c, seen }'
