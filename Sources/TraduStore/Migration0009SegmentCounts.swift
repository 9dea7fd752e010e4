extension StoreMigrations {
    /// Segments translated and reused (DESIGN §4, "Translation memory"): what memory saved, per pipeline and
    /// revision, in the striped `spend` rows that completions already write, so `tradu status` sums a few hundred
    /// rows instead of reading results.
    public static let segmentCounts = Migration(
        version: 9, name: "segment counts",
        sql: """
            ALTER TABLE spend
                ADD COLUMN segments_translated bigint NOT NULL DEFAULT 0,
                ADD COLUMN segments_reused bigint NOT NULL DEFAULT 0;
            """, compatibility: .expand)
}
