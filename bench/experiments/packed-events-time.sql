-- Server time and WAL of a kept run's transition events written three ways in one transaction, by INSERT, in
-- chunks of 256: as rows (today's keys), as one row per chunk, and as one row per chunk with a GIN index on its
-- block keys. Run after bench/experiments/packed-events.sh (which leaves ev_src), in the same schema:
--   PGOPTIONS="-c search_path=SCHEMA" psql -h SOCKET -p PORT -U tradu -d DATABASE -f packed-events-time.sql
CREATE INDEX IF NOT EXISTS ev_src_id ON ev_src (id);
ANALYZE ev_src;
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS ev_rows2, ev_b_plain, ev_b_gin;
CREATE TABLE ev_rows2 (LIKE block_events INCLUDING DEFAULTS);
ALTER TABLE ev_rows2 ADD PRIMARY KEY (id);
CREATE INDEX ON ev_rows2 (block_key, id) WHERE block_key IS NOT NULL;
CREATE INDEX ON ev_rows2 USING brin (at) WITH (pages_per_range = 32, autosummarize = on);
CREATE TABLE ev_b_plain (id bigint PRIMARY KEY, last_id bigint NOT NULL, events int NOT NULL, from_state text, to_state text NOT NULL, reason text,
    instance_id text, at timestamptz NOT NULL, ids bigint[] NOT NULL, block_keys bigint[] NOT NULL, block_ids text[] NOT NULL,
    attempts int[] NOT NULL, ats timestamptz[] NOT NULL);
CREATE INDEX ON ev_b_plain (last_id);
CREATE TABLE ev_b_gin (LIKE ev_b_plain INCLUDING ALL);
CREATE INDEX ON ev_b_gin USING gin (block_keys);
CHECKPOINT;
-- One chunk row per 256 events of ev_src, into `target`.
CREATE FUNCTION pg_temp.write_chunks(target regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE lo bigint;
BEGIN
  FOR lo IN SELECT generate_series(min(id), max(id), 256) FROM ev_src LOOP
    EXECUTE format(
      'INSERT INTO %s SELECT min(id), max(id), count(*), from_state, to_state, reason, instance_id, max(at),
         array_agg(id ORDER BY id), array_agg(block_key ORDER BY id), array_agg(block_id ORDER BY id),
         array_agg(attempt ORDER BY id), array_agg(at ORDER BY id)
       FROM ev_src WHERE id >= $1 AND id < $1 + 256 GROUP BY from_state, to_state, reason, instance_id', target)
      USING lo;
  END LOOP;
END $$;
DO $$
DECLARE lo bigint; t0 timestamptz; t1 timestamptz; t2 timestamptz; t3 timestamptz; w0 pg_lsn; w1 pg_lsn; w2 pg_lsn; w3 pg_lsn; n int;
BEGIN
  SELECT count(DISTINCT block_key) INTO n FROM ev_src;
  t0 := clock_timestamp(); w0 := pg_current_wal_insert_lsn();
  FOR lo IN SELECT generate_series(min(id), max(id), 256) FROM ev_src LOOP
    INSERT INTO ev_rows2 SELECT * FROM ev_src WHERE id >= lo AND id < lo + 256;
  END LOOP;
  t1 := clock_timestamp(); w1 := pg_current_wal_insert_lsn();
  PERFORM pg_temp.write_chunks('ev_b_plain');
  t2 := clock_timestamp(); w2 := pg_current_wal_insert_lsn();
  PERFORM pg_temp.write_chunks('ev_b_gin');
  PERFORM gin_clean_pending_list('ev_b_gin_block_keys_idx');
  t3 := clock_timestamp(); w3 := pg_current_wal_insert_lsn();
  RAISE NOTICE 'rows: % us/block, % B/block; chunks: % us/block, % B/block; chunks+GIN (cleaned): % us/block, % B/block',
    round(extract(epoch from t1 - t0) * 1e6 / n, 1), round(pg_wal_lsn_diff(w1, w0) / n),
    round(extract(epoch from t2 - t1) * 1e6 / n, 1), round(pg_wal_lsn_diff(w2, w1) / n),
    round(extract(epoch from t3 - t2) * 1e6 / n, 1), round(pg_wal_lsn_diff(w3, w2) / n);
END $$;
