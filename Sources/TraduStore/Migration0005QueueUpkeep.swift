extension StoreMigrations {
    /// Autovacuum for the tables every block updates. `blocks` takes three non-HOT updates per block (its state
    /// is indexed), so it accumulates dead tuples as fast as blocks finish; the default scale factor (20%) lets
    /// millions pile up in a 10M-block environment before a vacuum, and every scan that meets them pays. Vacuum
    /// after 2% (at least 1,000 rows), without the cost delay that makes it lag behind a fast queue.
    /// `sink_deliveries` and `instances` are small and churn the same way.
    public static let queueUpkeep = Migration(
        version: 5, name: "queue-upkeep",
        sql: """
            ALTER TABLE blocks SET (
                autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 1000,
                autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000,
                autovacuum_vacuum_cost_delay = 0);
            ALTER TABLE sink_deliveries SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
            ALTER TABLE instances SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);
            """, compatibility: .expand)
}
