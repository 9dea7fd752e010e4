extension StoreMigrations {
    /// Drops `blocks_schedulable`, the index of each pipeline's waiting blocks in dataset order (`ordinal`, `id`).
    ///
    /// Why: since migration 23 the rotator, the controller's waiting count and `tradu run`'s probes read
    /// `blocks_schedulable_by_key`; `blocks_schedulable` was kept for the release before that one, whose rotator
    /// still scheduled by `ordinal`, through a rolling update. The release before this one (migration 24) reads it
    /// nowhere, and the index cost every apply an entry a block, and every block made `created` again (a reprocess,
    /// a rollout, a restore) another: 12 to 17% of the apply's server CPU (`tradu-bench run`, durable, three
    /// interleaved rounds, 2026-12-07).
    /// Dropping an index changes no result, so the release before runs on: expand, as migration 19.
    public static let dropScheduleByOrdinal = Migration(
        version: 25, name: "drop-schedule-by-ordinal",
        sql: """
            DROP INDEX IF EXISTS blocks_schedulable;
            """, compatibility: .expand)
}
