/// What `/readyz` needs to know of the database, in one call.
public struct StoreProbe: Sendable, Hashable {
    /// The newest migration applied to the environment's schema (0 when none).
    public var schemaVersion: Int
    /// The newest migration this build knows.
    public var knownVersion: Int
    /// The controller holding a valid leader lease, nil when none does (only read when asked for).
    public var leader: String?

    public var migrationsCurrent: Bool { schemaVersion == knownVersion }
}

extension Store {
    /// Probes the database: a round trip, the schema's migration version, and (for controllers) the leader
    /// lease. Throws `StoreError.unavailable` when the database cannot be reached.
    public func probe(includingLeader: Bool) async throws -> StoreProbe {
        try await recover()
        let version =
            try await connection.query("SELECT max(version) AS v FROM schema_migrations")
            .first?["v"].flatMap { Int($0) } ?? 0
        var leader: String?
        if includingLeader {
            let lease = try await connection.query(
                "SELECT holder FROM controller_lease WHERE expires_at > now()")
            leader = lease.first?["holder"]
        }
        return StoreProbe(schemaVersion: version, knownVersion: StoreMigrations.latestVersion, leader: leader)
    }
}
