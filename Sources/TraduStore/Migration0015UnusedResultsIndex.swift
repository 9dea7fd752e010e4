extension StoreMigrations {
    /// Drops `results_pipeline` (pipeline, target_language): no statement reads results by pipeline (export, sinks
    /// and the API reach them through their blocks), yet every completion wrote an entry in it, about 60 bytes of
    /// WAL a block. Dropping an index is quick and an older build never names it, so older builds run on.
    public static let unusedResultsIndex = Migration(
        version: 15, name: "unused-results-index",
        sql: """
            DROP INDEX IF EXISTS results_pipeline;
            """, compatibility: .expand)
}
