extension StoreMigrations {
    /// Drops the foreign key from a result to its block (`results.block_id` → `blocks.id`).
    ///
    /// Why: PostgreSQL checks a foreign key row by row, in a trigger that looks the block up by its key and locks
    /// it (`FOR KEY SHARE`, one more WAL record): 6 to 8 µs of server CPU for each result inserted on a durable
    /// server, about 5% of a completed block's cost, for a check the completion already makes. A result is only
    /// ever written by the completion, in the statement that updates its block (fenced by block and attempt),
    /// from the rows that update returned: the block exists and is locked until commit. Blocks are only deleted
    /// by the prune of cancelled blocks, which deletes their results first in the same transaction, and a cancelled
    /// block is never completed. Dropping a constraint is quick, and no build relies on the check failing, so
    /// older builds run on: expand.
    public static let uncheckedResultBlocks = Migration(
        version: 18, name: "unchecked-result-blocks",
        sql: """
            ALTER TABLE results DROP CONSTRAINT IF EXISTS results_block_id_fkey;
            """, compatibility: .expand)
}
