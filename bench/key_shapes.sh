#!/usr/bin/env bash
# How the block key's shape bears on the cost per block as the work grows (issue 9's flat-cost bar, measured before
# anything is built): the hot path's statements on two schemas that differ only in how a block is keyed, run at a
# small and a large size, WAL bytes and server CPU per block, on the embedded PostgreSQL (durable: fsync and
# synchronous commit on, as tradu starts it).
#
# - hash: today. A block's key is its id, 32 hex digits of a content hash, so the blocks processed one after another
#   have keys spread over the whole key space. Every B-tree led by it takes each insert on a random leaf:
#   `blocks_pkey` (a new entry per non-HOT update, three a block), `block_events_block` (three events), the
#   results' key.
# - serial: a block keyed by a bigint given in dataset order at apply (the text id kept as a column, found through an
#   insert-only `block_names` table written at apply, as `content_blocks` is), so the blocks a run processes together
#   have neighbouring keys and the same B-trees take their inserts on a few hot leaves.
#
# Both run the same statements in tradu's batch sizes (schedule 2,000, claim and complete 256), one session, each
# batch its own transaction: the scheduling step and the claim (update and one event each), the completion (update,
# result, event, memory entry). The memory is keyed by a content hash in both: it stays random.
#
# - blocks, events: the two halves of serial apart. `blocks` keyed by the bigint with events and results by the id;
#   `blocks` keyed by the id with events by the bigint (the block's key an unindexed column of `blocks`).
# - ctid: hash, with the completion finding its blocks by the row versions the claim returned instead of by key
#   (tradu's claim and scheduling step already update by the versions they locked; the completion cannot, since a
#   lease renewal may move the row in between).
#
# - COLLATION=...: the shapes in a database whose default collation is linguistic, as managed services create
#   theirs: a libc locale (en_US.UTF-8, if `locale -a` lists it) or icu:LOCALE (icu:en-US). The schemas here leave
#   the collation as it comes (tradu's migration 20 puts its keys in byte order): what a text key costs there.
#
# Usage: bench/key_shapes.sh [path/to/tradu]   (SIZES="20000 200000"; ROUNDS=N, default 3, interleaved;
#        SHAPES="hash serial", or any of hash serial blocks events ctid; COLLATION, default the server's C)
source "$(dirname "$0")/common.sh"
sizes="${SIZES:-20000 200000}"
rounds="${ROUNDS:-3}"
shapes="${SHAPES:-hash serial}"
embedded_database
if [ -n "${COLLATION:-}" ]; then
    case "$COLLATION" in
    icu:*) locale="LOCALE_PROVIDER icu ICU_LOCALE '${COLLATION#icu:}' LOCALE 'C'" ;;
    *) locale="LOCALE '$COLLATION'" ;;
    esac
    psql_ "CREATE DATABASE localed TEMPLATE template0 $locale" > /dev/null
    url="$(echo "$url" | sed 's|/tradu[?]|/localed?|')"
fi

# The key each shape's tables name a block by: "id" (the 32-hex-digit text) or "key" (the bigint), for `blocks`'
# primary key, `block_events` and `results`. `blocks` and `events` are the two halves of `serial`, measured apart.
keys_of() { # shape: prints "blocks events results"
    case "$1" in
    hash | ctid) echo "id id id" ;;
    serial) echo "key key key" ;;
    blocks) echo "key id id" ;;
    events) echo "id key id" ;;
    *) echo "unknown shape $1" >&2; exit 2 ;;
    esac
}
column_of() { [ "$1" = id ] && echo "block_id" || echo "block_key"; }   # the column naming a block in a table
type_of() { [ "$1" = id ] && echo "text" || echo "bigint"; }
value_of() { [ "$1" = id ] && echo "name" || echo "k"; }   # of a statement's RETURNING b.id AS name, b.key AS k

run_script() { # shape blocks
    local shape="$1" blocks="$2" bk ek rk steps batches i
    read -r bk ek rk <<< "$(keys_of "$shape")"
    local ec rc ev rv
    ec="$(column_of "$ek")" rc="$(column_of "$rk")" ev="$(value_of "$ek")" rv="$(value_of "$rk")"
    steps=$(((blocks + 1999) / 2000)) batches=$(((blocks + 255) / 256))
    echo "SET search_path = $shape;"
    for ((i = 0; i < steps; i++)); do
        cat <<SQL
BEGIN;
WITH picked AS MATERIALIZED (
    SELECT $bk FROM blocks WHERE pipeline = 'bench' AND state = 'created' ORDER BY ordinal, $bk
    LIMIT 2000 FOR UPDATE SKIP LOCKED), moved AS (
    UPDATE blocks b SET state = 'enqueued', enqueued_at = now(), updated_at = now()
    WHERE b.$bk = ANY (ARRAY(SELECT $bk FROM picked)) AND (b.state || '') = 'created'
    RETURNING b.id AS name, b.key AS k, b.attempt)
INSERT INTO block_events ($ec, from_state, to_state, instance_id, attempt, reason)
SELECT $ev, 'created', 'enqueued', 'bench-controller', attempt, 'scheduled' FROM moved;
COMMIT;
SQL
    done
    local completed_by="b.$bk = ANY (:'picks'::$(type_of "$bk")[])"
    [ "$shape" = ctid ] && completed_by="b.ctid = ANY (:'versions'::tid[])"
    for ((i = 0; i < batches; i++)); do
        cat <<SQL
BEGIN;
WITH c AS (
    SELECT $bk FROM blocks WHERE state = 'enqueued' AND run_at <= now() ORDER BY priority DESC, run_at, $bk
    LIMIT 256 FOR UPDATE SKIP LOCKED), claimed AS (
    UPDATE blocks b SET state = 'in_process', attempt = b.attempt + 1, lease_owner = 'bench-worker-1',
        lease_expires_at = now() + interval '5 minutes', heartbeat_at = now(), started_at = now(), updated_at = now()
    FROM c WHERE b.$bk = c.$bk RETURNING b.$bk AS pick, b.ctid AS version, b.id AS name, b.key AS k, b.attempt
    ), logged AS (
    INSERT INTO block_events ($ec, from_state, to_state, instance_id, attempt, reason)
    SELECT $ev, 'enqueued', 'in_process', 'bench-worker-1', attempt, 'claimed' FROM claimed)
SELECT coalesce(array_agg(pick), '{}') AS picks, coalesce(array_agg(version), '{}') AS versions FROM claimed \gset
COMMIT;
BEGIN;
WITH done AS (
    UPDATE blocks b SET state = 'completed', finished_at = now(), updated_at = now(), lease_owner = NULL,
        lease_expires_at = NULL, heartbeat_at = NULL, result_spec = spec_hash
    WHERE $completed_by AND (b.state || '') = 'in_process'
        AND (b.lease_owner || '') = 'bench-worker-1'
    RETURNING b.id AS name, b.key AS k, b.pipeline, b.target_language, b.attempt, b.spec_hash), stored AS (
    INSERT INTO results AS r ($rc, spec_hash, pipeline, target_language, attempt, instance_id, records)
    SELECT $rv, spec_hash, pipeline, target_language, attempt, 'bench-worker-1',
           '[{"id":"doc-' || name || '","text":"' || repeat(md5(name), 6) || '"}]'
    FROM done
    ON CONFLICT ($rc, spec_hash) DO UPDATE SET attempt = EXCLUDED.attempt, records = EXCLUDED.records,
        completed_at = now()), logged AS (
    INSERT INTO block_events ($ec, from_state, to_state, instance_id, attempt, reason)
    SELECT $ev, 'in_process', 'completed', 'bench-worker-1', attempt, 'completed' FROM done)
INSERT INTO translation_memory (key, translation)
SELECT md5('memory' || name) || md5('m' || name), repeat(md5(name), 6) FROM done ORDER BY 1
ON CONFLICT (key) DO NOTHING;
COMMIT;
SQL
    done
}

# The schema of a shape, and every block as apply leaves it (`created`), inserted in dataset order. Every shape's
# `blocks` has both the text id and the bigint key; the primary key is on the one the shape keys it by, and when
# that is the bigint, an insert-only `block_names` finds a block by its id.
setup() { # shape blocks
    local shape="$1" blocks="$2" bk ek rk names=""
    read -r bk ek rk <<< "$(keys_of "$shape")"
    [ "$bk" = key ] && names="CREATE TABLE block_names (id text PRIMARY KEY, key bigint NOT NULL);
INSERT INTO block_names SELECT id, key FROM blocks;"
    psql "$url" -q -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS $shape CASCADE;
CREATE SCHEMA $shape;
SET search_path = $shape;
CREATE TABLE blocks (key bigint NOT NULL, id text NOT NULL, $(block_columns), PRIMARY KEY ($bk));
ALTER TABLE blocks SET (autovacuum_enabled = false);
CREATE INDEX blocks_claimable ON blocks (priority DESC, run_at, $bk) WHERE state = 'enqueued';
CREATE INDEX blocks_lease_owner ON blocks (lease_owner) WHERE state = 'in_process';
CREATE INDEX blocks_pipeline_state ON blocks (pipeline, state);
CREATE INDEX blocks_schedulable ON blocks (pipeline, ordinal, $bk) WHERE state = 'created';
CREATE TABLE block_events (
    id bigserial PRIMARY KEY, $(column_of "$ek") $(type_of "$ek") NOT NULL, from_state text, to_state text NOT NULL,
    instance_id text, attempt int NOT NULL DEFAULT 0, reason text, error_class text, error text,
    at timestamptz NOT NULL DEFAULT clock_timestamp(), pipeline text, target_language text);
CREATE INDEX block_events_block ON block_events ($(column_of "$ek"), id);
CREATE TABLE results (
    $(column_of "$rk") $(type_of "$rk") NOT NULL, spec_hash text NOT NULL, pipeline text NOT NULL,
    target_language text NOT NULL, attempt int NOT NULL, instance_id text NOT NULL, records text NOT NULL,
    input_tokens bigint NOT NULL DEFAULT 0, output_tokens bigint NOT NULL DEFAULT 0,
    memory_hits int NOT NULL DEFAULT 0, completed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY ($(column_of "$rk"), spec_hash));
CREATE TABLE translation_memory (key text PRIMARY KEY, translation text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO blocks (key, id, pipeline, block_hash, target_language, ordinal, spec_hash, revision)
SELECT g, md5('block' || g), 'bench', md5('content' || g) || md5('c' || g), 'fr', g, md5('spec') || md5('s'), 1
FROM generate_series(1, $blocks) AS g;
$names
INSERT INTO block_events ($(column_of "$ek"), from_state, to_state, instance_id, attempt, reason)
SELECT $( [ "$ek" = id ] && echo id || echo key ), NULL, 'created', 'bench-apply', 0, 'planned' FROM blocks
ORDER BY ordinal;
VACUUM ANALYZE blocks;
VACUUM ANALYZE block_events;
SQL
}

declare -A results
for ((round = 1; round <= rounds; round++)); do
    for blocks in $sizes; do
        for shape in $shapes; do
            setup "$shape" "$blocks"
            run_script "$shape" "$blocks" > "$work/run.sql"
            psql "$url" -Atq -c "CHECKPOINT" > /dev/null
            ran="$(measure_statements "$work/run.sql" "$blocks")"
            left="$(psql_ "SELECT count(*) FILTER (WHERE state = 'completed') || '/' || count(*) FROM $shape.blocks")"
            echo "round $round, $blocks blocks, $shape: run $ran (WAL B, server CPU µs per block); completed $left"
            results[$blocks-$shape-wal]+=" ${ran% *}"
            results[$blocks-$shape-cpu]+=" ${ran#* }"
            psql_ "SET client_min_messages = warning; DROP SCHEMA $shape CASCADE" > /dev/null
        done
    done
done

echo
echo "embedded PostgreSQL (durable), database collation ${COLLATION:-C}, $rounds rounds interleaved, medians (every round):"
printf "  %-8s %-7s %-30s %-30s\n" blocks shape "run WAL B/block" "run server CPU µs/block"
for blocks in $sizes; do
    for shape in $shapes; do
        printf "  %-8s %-7s %-30s %-30s\n" "$blocks" "$shape" \
            "$(echo "${results[$blocks-$shape-wal]}" | median) (${results[$blocks-$shape-wal]# })" \
            "$(echo "${results[$blocks-$shape-cpu]}" | median) (${results[$blocks-$shape-cpu]# })"
    done
done
