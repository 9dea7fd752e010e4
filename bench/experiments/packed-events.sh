#!/usr/bin/env bash
# The WAL of a run's transition events written two ways: as rows (today: `COPY` in chunks of 256, with the log's
# primary key, `block_events_by_block_key` and the BRIN on `at`), and as one row per chunk holding the chunk's
# events in arrays (its block ids, keys, attempts and times), with only a key on the chunk's first id and the BRIN;
# or, with `gin`, also a GIN index on the chunk's block keys, which is how a block's events would be found without a
# chain of their own. Prints WAL and bytes per block of each.
#
#   tradu-bench run --blocks 20000 --pgbench-seconds 0 --keep --work-directory DIR
#   bash bench/experiments/packed-events.sh DIR [gin]
#
# It reads the kept run's `block_events` (the transitions of the run, not the apply's `created` events), writes
# them again into tables of its own in the same schema, and leaves those tables there. Stop the kept server with
# `kill -INT` of the first line of its postmaster.pid.
set -euo pipefail
work="$1"
mode="${2:-}"
pidfile=$(find "$work" -name postmaster.pid | head -1)
port=$(sed -n 4p "$pidfile")
socket=$(sed -n 5p "$pidfile")
q() { psql -h "$socket" -p "$port" -U tradu -X -v ON_ERROR_STOP=1 "$@"; }
database=$(q -d postgres -Atc "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') LIMIT 1")
schema=$(q -d "$database" -Atc "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tradu_bench%' LIMIT 1")
export PGOPTIONS="-c search_path=$schema"
Q() { q -d "$database" "$@"; }
keys_index="CREATE INDEX ev_batches_first ON ev_batches (id)"
[ "$mode" = gin ] && keys_index="CREATE INDEX ev_batches_keys ON ev_batches USING gin (block_keys)"
Q -q <<SQL
DROP TABLE IF EXISTS ev_rows, ev_batches, ev_src;
CREATE TABLE ev_src AS SELECT * FROM block_events WHERE from_state IS NOT NULL ORDER BY id;
CREATE TABLE ev_rows (LIKE block_events INCLUDING DEFAULTS);
ALTER TABLE ev_rows ADD PRIMARY KEY (id);
CREATE INDEX ON ev_rows (block_key, id) WHERE block_key IS NOT NULL;
CREATE INDEX ON ev_rows USING brin (at) WITH (pages_per_range = 32, autosummarize = on);
CREATE TABLE ev_batches (
    id bigint PRIMARY KEY, events int NOT NULL, from_state text, to_state text NOT NULL, reason text,
    instance_id text, at timestamptz NOT NULL, block_keys bigint[] NOT NULL, block_ids text[] NOT NULL,
    attempts int[] NOT NULL, ats timestamptz[] NOT NULL);
$keys_index;
CREATE INDEX ON ev_batches USING brin (at) WITH (pages_per_range = 32, autosummarize = on);
SQL
blocks=$(Q -Atc "SELECT count(DISTINCT block_key) FROM ev_src")
chunks=$(mktemp -d)
trap 'rm -rf "$chunks"' EXIT
Q -q -c "\copy (SELECT id, block_id, from_state, to_state, instance_id, attempt, reason, error_class, error, at, pipeline, target_language, block_key FROM ev_src ORDER BY id) TO '$chunks/all.tsv'"
split -l 256 -d -a 5 "$chunks/all.tsv" "$chunks/c"
Q -q -c CHECKPOINT
a=$(Q -Atc "SELECT pg_current_wal_lsn()")
for f in "$chunks"/c*; do Q -q -c "\copy ev_rows FROM '$f'"; done
b=$(Q -Atc "SELECT pg_current_wal_lsn()")
for f in "$chunks"/c*; do
    low=$(head -1 "$f" | cut -f1); high=$(tail -1 "$f" | cut -f1)
    Q -q -c "INSERT INTO ev_batches
             SELECT min(id), count(*), from_state, to_state, reason, instance_id, max(at), array_agg(block_key ORDER BY id),
                    array_agg(block_id ORDER BY id), array_agg(attempt ORDER BY id), array_agg(at ORDER BY id)
             FROM ev_src WHERE id BETWEEN $low AND $high GROUP BY from_state, to_state, reason, instance_id"
done
c=$(Q -Atc "SELECT pg_current_wal_lsn()")
[ "$mode" = gin ] && Q -q -c "SELECT gin_clean_pending_list('ev_batches_keys')" >/dev/null
Q -q -c "VACUUM ev_batches"
d=$(Q -Atc "SELECT pg_current_wal_lsn()")
Q -Atc "SELECT format('%s blocks, %s events: as rows %s B of WAL a block; as chunks%s %s B (%s B with the index''s clean-up and a VACUUM)',
                      $blocks, (SELECT count(*) FROM ev_src), round(pg_wal_lsn_diff('$b', '$a') / $blocks),
                      CASE WHEN '$mode' = 'gin' THEN ' with a GIN index on their keys' ELSE '' END,
                      round(pg_wal_lsn_diff('$c', '$b') / $blocks), round(pg_wal_lsn_diff('$d', '$b') / $blocks))"
Q -Atc "SELECT format('table and index bytes a block: rows %s, chunks %s',
                      pg_total_relation_size('ev_rows') / $blocks, pg_total_relation_size('ev_batches') / $blocks)"
