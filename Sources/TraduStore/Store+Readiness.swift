/// What `/readyz` needs to know of the database, in one call.
public struct StoreProbe: Sendable, Equatable {
    /// The newest migration applied to the environment's schema (0 when none).
    public var schemaVersion: Int
    /// The newest migration this build knows.
    public var knownVersion: Int
    /// The controller holding a valid leader lease, nil when none does (only read when asked for).
    public var leader: String?
    /// Why the database refused the write probe (disk full, read-only, ...); nil when it accepted it.
    public var writeFailure: StoreError?

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
        var probe = StoreProbe(schemaVersion: version, knownVersion: StoreMigrations.latestVersion, leader: leader)
        do {
            try await probeWrite()
        } catch let error as StoreError {
            // A lost connection is the database being away, not refusing writes: the caller reports that.
            if case .unavailable(let sqlState, _) = error, sqlState?.hasPrefix("08") ?? true { throw error }
            probe.writeFailure = error
        }
        return probe
    }

    /// Whether the database can write: inserts a row into a temporary table created in the same transaction and
    /// dropped at its commit. The row needs the table's first page, and extending a file is where a full disk
    /// refuses (`53100`), the way every insert into a growing table does. Writes nothing another session sees,
    /// leaves nothing behind, and holds no session state (safe behind a pooler in transaction mode).
    public func probeWrite() async throws {
        try await connection.transaction { connection in
            try connection.execute(
                """
                CREATE TEMP TABLE tradu_write_probe (filler text) ON COMMIT DROP;
                INSERT INTO tradu_write_probe VALUES ('x')
                """)
        }
    }
}
