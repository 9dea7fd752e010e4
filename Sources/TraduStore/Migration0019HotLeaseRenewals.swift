extension StoreMigrations {
    /// Drops `blocks_leased`, the index of leased blocks by lease expiry.
    ///
    /// Why: a heartbeat renews every block its worker holds by setting `lease_expires_at` and `heartbeat_at`.
    /// With `lease_expires_at` indexed, no renewal could be a HOT update: each wrote a new row version with an entry
    /// in every index of `blocks` (four for a leased block), and a block waiting on a slow engine (a model call of
    /// 5 to 30 s, a renewal every 10 s) was rewritten that way at each heartbeat. With no index on either column a
    /// renewal is HOT whenever its page has room: one heap record, no index entry. The expiry watchdog, the only
    /// reader that needed the order, finds expired leases among the leased blocks through `blocks_lease_owner`
    /// (same predicate), as the block-timeout watchdog already did: a set bounded by what the workers hold, read
    /// once a second. Dropping an index changes no result, so older builds run on: expand.
    public static let hotLeaseRenewals = Migration(
        version: 19, name: "hot-lease-renewals",
        sql: """
            DROP INDEX IF EXISTS blocks_leased;
            """, compatibility: .expand)
}
