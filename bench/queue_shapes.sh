#!/usr/bin/env bash
# Two shapes of the block tables compared on what the hot path writes to them (issue 9's next step, measured
# before it is built): the WAL bytes and the server CPU per block of the statements that schedule, claim and
# complete blocks, on the embedded PostgreSQL (durable: fsync and synchronous commit on, as tradu starts it).
#
# - today: one `blocks` table. Every transition updates its wide row, and the row's state is indexed (partial
#   indexes for each active state, `(pipeline, state)`), so no update can be HOT: each writes the whole row and an
#   entry in three to five indexes.
# - split: `blocks` keeps the block's record (no index on anything that changes, fillfactor 90, so its one update
#   a run, at completion, can be HOT), and a narrow `block_queue` row per active block carries the queue's
#   columns and their partial indexes; completion deletes it.
# - mirror: the cheap way to the same indexes, measured to see whether it pays. `blocks` stays as it is, every
#   transition still updates it, but nothing that changes is indexed on it (fillfactor as split, so updates can be
#   HOT); a statement-level trigger keeps a `block_queue` row per active block in step from the statement's
#   transition table, and the picks read `block_queue`. No writer would change; the readers would not either.
#
# Only the statements on these tables are run, in the batches tradu uses (schedule 2,000, claim and complete
# 256), one session, each batch its own transaction; the events, results and memory entries a block also writes
# are the same in both shapes and left out. Apply's inserts are measured apart.
#
# Usage: bench/queue_shapes.sh [path/to/tradu]   (BLOCKS=N, default 20,000; ROUNDS=N, default 3, interleaved;
#        FILLFACTOR=N, the split and mirror shapes' `blocks`, default 90; SHAPES="today split mirror")
source "$(dirname "$0")/common.sh"
blocks="${BLOCKS:-20000}"
rounds="${ROUNDS:-3}"
fillfactor="${FILLFACTOR:-90}"
embedded_database

# The statements of one shape's run: schedule in steps of 2,000, then claim 256 and complete them until done.
# `today` and `mirror` update `blocks` the same way and differ only in where they pick blocks from.
run_script() { # shape
    local shape="$1" steps=$(((blocks + 1999) / 2000)) batches=$(((blocks + 255) / 256)) i scheduling claiming
    if [ "$shape" = mirror ]; then
        scheduling="SELECT block_id AS id FROM block_queue WHERE pipeline = 'bench' AND state = 'created'
    ORDER BY ordinal, block_id"
        claiming="SELECT block_id AS id FROM block_queue WHERE state = 'enqueued' AND run_at <= now()
    ORDER BY priority DESC, run_at, block_id"
    else
        scheduling="SELECT id FROM blocks WHERE pipeline = 'bench' AND state = 'created' ORDER BY ordinal, id"
        claiming="SELECT id FROM blocks WHERE state = 'enqueued' AND run_at <= now() ORDER BY priority DESC, run_at, id"
    fi
    echo "SET search_path = $shape;"
    for ((i = 0; i < steps; i++)); do
        if [ "$shape" != split ]; then
            cat <<SQL
WITH picked AS MATERIALIZED ($scheduling LIMIT 2000 FOR UPDATE SKIP LOCKED)
UPDATE blocks b SET state = 'enqueued', enqueued_at = now(), updated_at = now()
WHERE b.id = ANY (ARRAY(SELECT id FROM picked)) AND (b.state || '') = 'created';
SQL
        else
            cat <<'SQL'
WITH picked AS MATERIALIZED (
    SELECT block_id FROM block_queue WHERE pipeline = 'bench' AND state = 'created' ORDER BY ordinal, block_id
    LIMIT 2000 FOR UPDATE SKIP LOCKED)
UPDATE block_queue q SET state = 'enqueued', enqueued_at = now()
WHERE q.block_id = ANY (ARRAY(SELECT block_id FROM picked)) AND (q.state || '') = 'created';
SQL
        fi
    done
    for ((i = 0; i < batches; i++)); do
        if [ "$shape" != split ]; then
            cat <<SQL
WITH c AS ($claiming LIMIT 256 FOR UPDATE SKIP LOCKED), claimed AS (
    UPDATE blocks b SET state = 'in_process', attempt = b.attempt + 1, lease_owner = 'bench-worker-1',
        lease_expires_at = now() + interval '5 minutes', heartbeat_at = now(), started_at = now(), updated_at = now()
    FROM c WHERE b.id = c.id RETURNING b.id)
SELECT coalesce(array_agg(id), '{}') AS ids FROM claimed \gset
UPDATE blocks SET state = 'completed', finished_at = now(), updated_at = now(), lease_owner = NULL,
    lease_expires_at = NULL, heartbeat_at = NULL, result_spec = spec_hash
WHERE id = ANY (:'ids'::text[]) AND (state || '') = 'in_process' AND (lease_owner || '') = 'bench-worker-1';
SQL
        else
            cat <<'SQL'
WITH c AS (
    SELECT block_id FROM block_queue WHERE state = 'enqueued' AND run_at <= now()
    ORDER BY priority DESC, run_at, block_id LIMIT 256 FOR UPDATE SKIP LOCKED), claimed AS (
    UPDATE block_queue q SET state = 'in_process', attempt = q.attempt + 1, lease_owner = 'bench-worker-1',
        lease_expires_at = now() + interval '5 minutes', heartbeat_at = now(), started_at = now()
    FROM c WHERE q.block_id = c.block_id RETURNING q.block_id)
SELECT coalesce(array_agg(block_id), '{}') AS ids FROM claimed \gset
WITH done AS (
    DELETE FROM block_queue
    WHERE block_id = ANY (:'ids'::text[]) AND (state || '') = 'in_process' AND (lease_owner || '') = 'bench-worker-1'
    RETURNING block_id, attempt, enqueued_at, started_at)
UPDATE blocks b SET state = 'completed', attempt = d.attempt, enqueued_at = d.enqueued_at,
    started_at = d.started_at, finished_at = now(), updated_at = now(), result_spec = b.spec_hash
FROM done d WHERE b.id = d.block_id;
SQL
        fi
    done
}

# The schema of a shape, with `blocks` filled as apply leaves it (every block `created`).
setup() { # shape
    local shape="$1"
    psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $shape CASCADE;
CREATE SCHEMA $shape;
SET search_path = $shape;
CREATE TABLE blocks (id text PRIMARY KEY, $(block_columns));
SQL
    if [ "$shape" = today ]; then
        psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
SET search_path = $shape;
CREATE INDEX blocks_claimable ON blocks (priority DESC, run_at, id) WHERE state = 'enqueued';
CREATE INDEX blocks_content ON blocks (block_hash);
CREATE INDEX blocks_lease_owner ON blocks (lease_owner) WHERE state = 'in_process';
CREATE INDEX blocks_leased ON blocks (lease_expires_at) WHERE state = 'in_process';
CREATE INDEX blocks_pipeline_state ON blocks (pipeline, state);
CREATE INDEX blocks_schedulable ON blocks (pipeline, ordinal, id) WHERE state = 'created';
SQL
    elif [ "$shape" = mirror ]; then
        psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
SET search_path = $shape;
ALTER TABLE blocks SET (fillfactor = $fillfactor);
CREATE INDEX blocks_content ON blocks (block_hash);
CREATE TABLE block_queue (
    block_id text PRIMARY KEY, pipeline text NOT NULL, ordinal integer NOT NULL, priority integer NOT NULL,
    run_at timestamptz NOT NULL, state text NOT NULL, lease_owner text, lease_expires_at timestamptz);
CREATE INDEX block_queue_claimable ON block_queue (priority DESC, run_at, block_id) WHERE state = 'enqueued';
CREATE INDEX block_queue_lease_owner ON block_queue (lease_owner) WHERE state = 'in_process';
CREATE INDEX block_queue_leased ON block_queue (lease_expires_at) WHERE state = 'in_process';
CREATE INDEX block_queue_schedulable ON block_queue (pipeline, ordinal, block_id) WHERE state = 'created';
CREATE FUNCTION queue_sync() RETURNS trigger LANGUAGE plpgsql AS \$f\$
BEGIN
    DELETE FROM block_queue q USING n WHERE q.block_id = n.id AND n.state IN ('completed', 'failed', 'cancelled');
    INSERT INTO block_queue AS q (block_id, pipeline, ordinal, priority, run_at, state, lease_owner, lease_expires_at)
    SELECT id, pipeline, ordinal, priority, run_at, state, lease_owner, lease_expires_at FROM n
    WHERE n.state NOT IN ('completed', 'failed', 'cancelled')
    ON CONFLICT (block_id) DO UPDATE SET state = EXCLUDED.state, priority = EXCLUDED.priority,
        run_at = EXCLUDED.run_at, lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at;
    RETURN NULL;
END \$f\$;
CREATE TRIGGER blocks_queue_insert AFTER INSERT ON blocks REFERENCING NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION queue_sync();
CREATE TRIGGER blocks_queue_update AFTER UPDATE ON blocks REFERENCING NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION queue_sync();
SQL
    else
        psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
SET search_path = $shape;
ALTER TABLE blocks SET (fillfactor = $fillfactor);
CREATE INDEX blocks_content ON blocks (block_hash);
CREATE TABLE block_queue (
    block_id text PRIMARY KEY, pipeline text NOT NULL, ordinal integer NOT NULL, priority integer NOT NULL DEFAULT 50,
    run_at timestamptz NOT NULL DEFAULT now(), state text NOT NULL DEFAULT 'created', attempt integer NOT NULL DEFAULT 0,
    lease_owner text, lease_expires_at timestamptz, heartbeat_at timestamptz, enqueued_at timestamptz,
    started_at timestamptz);
CREATE INDEX block_queue_claimable ON block_queue (priority DESC, run_at, block_id) WHERE state = 'enqueued';
CREATE INDEX block_queue_lease_owner ON block_queue (lease_owner) WHERE state = 'in_process';
CREATE INDEX block_queue_leased ON block_queue (lease_expires_at) WHERE state = 'in_process';
CREATE INDEX block_queue_schedulable ON block_queue (pipeline, ordinal, block_id) WHERE state = 'created';
SQL
    fi
}

# Apply's part: insert every block (and, split, its queue row) in one transaction.
apply_script() { # shape
    cat <<SQL
SET search_path = $1;
BEGIN;
INSERT INTO blocks (id, pipeline, block_hash, target_language, ordinal, spec_hash, revision)
SELECT md5('block' || g), 'bench', md5('content' || g) || md5('c' || g), 'fr', g, md5('spec') || md5('s'), 1
FROM generate_series(1, $blocks) AS g;
SQL
    [ "$1" = split ] && cat <<SQL
INSERT INTO block_queue (block_id, pipeline, ordinal) SELECT id, pipeline, ordinal FROM blocks;
SQL
    echo "COMMIT;"
}

declare -A results
for ((round = 1; round <= rounds; round++)); do
    for shape in ${SHAPES:-today split mirror}; do
        setup "$shape"
        apply_script "$shape" > "$work/apply.sql"
        run_script "$shape" > "$work/run.sql"
        psql "$url" -Atq -c "CHECKPOINT" > /dev/null
        applied="$(measure_statements "$work/apply.sql" "$blocks")"
        ran="$(measure_statements "$work/run.sql" "$blocks")"
        left="$(psql "$url" -Atq -c "SELECT count(*) FILTER (WHERE state = 'completed') || '/' || count(*) FROM $shape.blocks")"
        hot="$(psql "$url" -Atq -c "SELECT n_tup_hot_upd || ' of ' || n_tup_upd FROM pg_stat_user_tables
                                    WHERE schemaname = '$shape' AND relname = 'blocks'")"
        echo "round $round, $shape: apply $applied, run $ran (WAL B, server CPU µs per block); completed $left;" \
            "blocks updates HOT: $hot"
        results[$shape-apply-wal]+=" ${applied% *}"
        results[$shape-apply-cpu]+=" ${applied#* }"
        results[$shape-run-wal]+=" ${ran% *}"
        results[$shape-run-cpu]+=" ${ran#* }"
    done
done

echo
echo "$blocks blocks, embedded PostgreSQL (durable), split and mirror blocks' fillfactor $fillfactor, $rounds rounds interleaved," \
    "medians (every round):"
printf "  %-6s %-26s %-26s %-26s %-26s\n" shape "run WAL B/block" "run server CPU µs/block" "apply WAL B/block" \
    "apply server CPU µs/block"
for shape in ${SHAPES:-today split mirror}; do
    printf "  %-6s %-26s %-26s %-26s %-26s\n" "$shape" \
        "$(echo "${results[$shape-run-wal]}" | median) (${results[$shape-run-wal]# })" \
        "$(echo "${results[$shape-run-cpu]}" | median) (${results[$shape-run-cpu]# })" \
        "$(echo "${results[$shape-apply-wal]}" | median) (${results[$shape-apply-wal]# })" \
        "$(echo "${results[$shape-apply-cpu]}" | median) (${results[$shape-apply-cpu]# })"
done
