extension StoreMigrations {
    /// A block's events are found through a hash index on `block_id` instead of a B-tree on (`block_id`, `id`).
    ///
    /// Why: every transition writes an event, so this index takes an entry per transition, three a block in a run.
    /// A B-tree entry carries the 32-character id and is placed by comparing ids down the tree; a hash entry
    /// carries a 4-byte hash code and goes straight to its bucket. Measured before it was built (`tradu-bench run`,
    /// 20,000 blocks, durable embedded PostgreSQL, three interleaved runs each): 185 bytes less WAL per block in
    /// the run (−3.5%), 56 at apply, and about 9% less server CPU per block.
    ///
    /// What it costs: readers of one block's events (`tradu trace`, the API's pages of a block's events, pruning a
    /// block) get all of its events from the index and order them by id themselves, instead of reading them in
    /// order; a block has a handful, and one with thousands still sorts in milliseconds. Building the index reads
    /// the whole log once, in the migration's transaction. Older builds name no index, so they run on.
    public static let eventsByBlockHash = Migration(
        version: 18, name: "events-by-block-hash",
        sql: """
            CREATE INDEX block_events_by_block ON block_events USING hash (block_id);
            DROP INDEX IF EXISTS block_events_block;
            """, compatibility: .expand)
}
