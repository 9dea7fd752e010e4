extension StoreMigrations {
    /// Schedules each pipeline's waiting blocks in the order they were added (`blocks.key`), where it went by their
    /// position in the dataset (`ordinal`). An apply adds its new blocks in the order of their ids
    /// (`NewBlockRows.inIDOrder`), so a scheduling step takes blocks whose ids are neighbours, stored side by side:
    /// every statement of a run then writes into a narrow range of each index keyed by the id (`blocks_pkey`,
    /// `results_pkey`) and of the log's index by key, instead of a leaf chosen at random. At 200,000 blocks that
    /// was 10 to 12% of the server's CPU a block (`tradu-bench run`, durable, 2026-12-07; `docs/ARCHITECTURE.md`,
    /// "An apply adds its blocks in the order of their ids").
    ///
    /// Blocks without a key (added before migration 22) come first: they were added before any that has one.
    ///
    /// Expand: it adds an index. `blocks_schedulable` stays, for the previous release's rotator during a rolling
    /// update (without it, each of its scheduling steps would sort every waiting block of a pipeline); it takes
    /// entries only when a block becomes `created` (an apply, a restore, a reprocess), never on a run's hot path.
    /// A later contract migration drops it.
    public static let scheduleInKeyOrder = Migration(
        version: 23, name: "schedule-in-key-order",
        sql: """
            CREATE INDEX blocks_schedulable_by_key ON blocks (pipeline, key NULLS FIRST) WHERE state = 'created';
            """, compatibility: .expand)
}
