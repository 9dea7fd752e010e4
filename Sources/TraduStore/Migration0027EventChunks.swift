extension StoreMigrations {
    /// A second form for the event log: one row per hot transition statement (a scheduling step, a claim, a
    /// completion), holding that statement's events in parallel arrays, one element an event (`EventLogSQL`).
    ///
    /// Why: the three transition events of a block and the entries of their two B-tree keys were the largest part
    /// of a run's WAL that no setting or index removes: 908 B a block of about 3,355, against 362 to 370 B for the
    /// same events as chunks with this table's indexes (`bench/experiments/packed-events.sh`, durable embedded
    /// PostgreSQL, 2026-12-07). A chunk row pays one header and one entry in each index for up to a statement's
    /// 256 to 2,000 events.
    ///
    /// The shape every reader relies on, checked here where it is cheap:
    /// - `ids` ascend, and `first_id` and `last_id` are the first and the last (ascending is the writer's duty);
    ///   each event keeps the id it takes from `block_events_id_seq`, so the log keeps one order across both forms;
    /// - every array has one element an event; `pipelines` and `target_languages` are NULL when the statement does
    ///   not label its events (only scheduling does, as `StoreMigrations.eventLabels`);
    /// - every event's block has a key (`blocks.key`), so the GIN index on `block_keys` finds any block's events;
    ///   events of blocks without a key stay rows of `block_events`;
    /// - `at` is the newest event's time: a chunk is recent while any of its events is, and old once all are;
    /// - no error columns: failures keep their rows.
    ///
    /// Indexes: the primary key walks chunks by first id (the stream, pruning); the GiST index on the id span finds
    /// the chunks that straddle an id (a reader's cursor, a gap's bound) however far behind the reader is; the GIN
    /// index finds a block's events (`trace`, the API's block pages, the look-up after a broken commit, pruning);
    /// the BRIN finds recent chunks (throughput).
    ///
    /// Expand: a new table that nothing writes yet. This release reads both forms; the release after writes
    /// chunks. The release before never reads this table, so it is rolled back to only while the table is empty.
    public static let eventChunks = Migration(
        version: 27, name: "event-chunks",
        sql: """
            CREATE TABLE block_event_chunks (
                first_id bigint PRIMARY KEY,
                last_id bigint NOT NULL,
                from_state text,
                to_state text NOT NULL,
                instance_id text,
                reason text,
                at timestamptz NOT NULL,
                ids bigint[] NOT NULL,
                block_ids text[] COLLATE "C" NOT NULL,
                block_keys bigint[] NOT NULL,
                attempts int[] NOT NULL,
                ats timestamptz[] NOT NULL,
                pipelines text[],
                target_languages text[],
                CONSTRAINT block_event_chunks_shape CHECK (
                    cardinality(ids) > 0 AND first_id = ids[1] AND last_id = ids[cardinality(ids)]
                    AND cardinality(block_ids) = cardinality(ids) AND cardinality(block_keys) = cardinality(ids)
                    AND cardinality(attempts) = cardinality(ids) AND cardinality(ats) = cardinality(ids)
                    AND (pipelines IS NULL OR cardinality(pipelines) = cardinality(ids))
                    AND (target_languages IS NULL OR cardinality(target_languages) = cardinality(ids))
                    AND array_position(block_keys, NULL) IS NULL)
            );
            CREATE INDEX block_event_chunks_span ON block_event_chunks USING gist (int8range(first_id, last_id, '[]'));
            CREATE INDEX block_event_chunks_block_keys ON block_event_chunks USING gin (block_keys);
            CREATE INDEX block_event_chunks_at ON block_event_chunks USING brin (at)
                WITH (pages_per_range = 32, autosummarize = on);
            """, compatibility: .expand)
}
