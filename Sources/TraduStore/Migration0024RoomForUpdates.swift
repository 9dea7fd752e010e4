extension StoreMigrations {
    /// Leaves 60% of each new page of `blocks` free (fillfactor 40), so each of a block's three transitions in a
    /// run (scheduled, claimed, completed) writes its new row version on the page the old one is on.
    ///
    /// Why: PostgreSQL logs only the changed middle of a row when its new version stays on its page, and for one that
    /// moves it logs the whole row and a row lock besides. Since migration 23 a scheduling step, a claim and a
    /// completion each take blocks that were stored side by side, so on a full page every row moved at every
    /// transition: 8 heap records and 1,220 B of WAL a block. With the room they stay (5.3 records, 704 B), the
    /// run's WAL per block falls 11% (4,744 → 4,241 B at 20,000 blocks, 5,219 → 4,625 B at 200,000), its server CPU
    /// does not rise (100 → 97 µs, 106 → 105 µs), and `blocks` ends a run a third smaller (dead versions are pruned
    /// in place instead of leaving whole pages behind): `tradu-bench run`, durable, three interleaved rounds,
    /// 2026-12-07, `docs/ARCHITECTURE.md`, "`blocks` leaves room on each page for a run's updates". A lease renewal,
    /// HOT since migration 19 when its page has room, finds it too.
    ///
    /// The setting applies to pages written from now on: an environment's existing blocks keep their pages until
    /// they are rewritten. Expand: no statement's result changes, and the table is not rewritten.
    public static let roomForUpdates = Migration(
        version: 24, name: "room-for-updates",
        sql: """
            ALTER TABLE blocks SET (fillfactor = 40);
            """, compatibility: .expand)
}
