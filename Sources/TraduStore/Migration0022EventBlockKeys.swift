extension StoreMigrations {
    /// Finds a block's events by a number given to the block when it is added (`blocks.key`, from a sequence, so in
    /// the order an apply adds a dataset's blocks) instead of by its 32-hex-digit id.
    ///
    /// Why: `block_events_block` (`block_id`, `id`) took three entries a block in a run, each on a leaf chosen by a
    /// hash: random leaves all over an index that grows by three entries a block. Past a checkpoint, the first
    /// change of each leaf writes the whole page into the WAL, and at a million blocks nearly every insert was such
    /// a first change: 3,336 B of WAL a block for that index alone, of 11,358 (`tradu-bench run --blocks 1000000
    /// --wal-records`, durable, 2026-12-07), and an index larger than the server's buffers, read at random. Keyed by
    /// the block's number, the entries of the blocks a run processes together share a few leaves at the index's
    /// moving edge, and each entry is 16 bytes of key instead of 41.
    ///
    /// The key is not filled in for blocks that exist already: the column is added without a value (no rewrite of
    /// `blocks`), and only blocks added from now on take one. Events name their block's key when it has one
    /// (`block_key`, written by the transition statements from the row they change); events without (an older
    /// block's, or any written by the previous release during a rolling update) are found by id through
    /// `block_events_unkeyed`, which holds only them. Readers look in both (`EventLogSQL.rowsOfBlocks`).
    ///
    /// Expand: it adds a sequence, two nullable columns and two indexes, and drops an index. The previous release
    /// reads a block's events by id without the predicate `block_events_unkeyed` needs, so there its `trace` and
    /// its look-up after a broken commit read the log whole until it is replaced; every result stays the same.
    public static let eventBlockKeys = Migration(
        version: 22, name: "event-block-keys",
        sql: """
            CREATE SEQUENCE blocks_key_seq AS bigint;
            ALTER TABLE blocks ADD COLUMN key bigint;
            ALTER TABLE blocks ALTER COLUMN key SET DEFAULT nextval('blocks_key_seq');
            ALTER SEQUENCE blocks_key_seq OWNED BY blocks.key;
            ALTER TABLE block_events ADD COLUMN block_key bigint;
            CREATE INDEX block_events_by_block_key ON block_events (block_key, id) WHERE block_key IS NOT NULL;
            CREATE INDEX block_events_unkeyed ON block_events (block_id, id) WHERE block_key IS NULL;
            DROP INDEX block_events_block;
            """, compatibility: .expand)
}
