extension StoreMigrations {
    /// Lets a result stand as the translation memory's entry for its block's one unit: `results.memory_key`, and the
    /// index that finds results by it.
    ///
    /// Why: a block of one document translated as one unit (the default, `segmentation: document`) wrote its
    /// translation twice in the completing transaction: in its result, and again in a `translation_memory` row with
    /// that row's key. The row, its key's index entry and the confirmation of its `ON CONFLICT` came to 657 B of
    /// WAL a block of the 4,199 a run wrote (`tradu-bench run --blocks 20000 --wal-records`, durable embedded
    /// PostgreSQL, 2026-12-07). Such a block's result now carries the unit's key instead, and the memory's look-up
    /// reads the translation from the result; blocks of several units or documents write `translation_memory` as
    /// before.
    ///
    /// Expand: a nullable column (no rewrite) and a partial index that holds only results with a key. The release
    /// before reads `translation_memory` alone, so during a rolling update its workers miss the entries that this
    /// release's workers keep in results, and translate those units again: what a cold memory costs, never a wrong
    /// result. Building the index reads `results` once, holding off completions meanwhile.
    public static let memoryInResults = Migration(
        version: 26, name: "memory-in-results",
        sql: """
            ALTER TABLE results ADD COLUMN memory_key text COLLATE "C";
            CREATE INDEX results_memory ON results (memory_key) WHERE memory_key IS NOT NULL;
            """, compatibility: .expand)
}
