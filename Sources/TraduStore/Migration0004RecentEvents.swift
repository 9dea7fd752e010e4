extension StoreMigrations {
    /// "What happened in the last minute" (status throughput, ETA) without reading every event ever written:
    /// `block_events` is append-only and `at` grows with it, so a BRIN index finds the recent rows for almost
    /// no write cost. `autosummarize` summarises each range as it fills rather than at the next vacuum; ranges
    /// not yet summarised are always scanned, and those are exactly the newest ones.
    public static let recentEvents = Migration(
        version: 4, name: "recent-events",
        sql: """
            CREATE INDEX block_events_at ON block_events USING brin (at) WITH (pages_per_range = 32, autosummarize = on);
            """, compatibility: .expand)
}
