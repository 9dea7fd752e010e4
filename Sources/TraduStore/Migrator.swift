import Logging
import TraduPostgres

/// Brings an environment schema up to the migrations this build knows.
///
/// Each migration runs in its own transaction that first takes `pg_advisory_xact_lock` on a key derived from
/// the schema name, then re-reads what is applied: concurrent processes migrating the same schema queue up and
/// each migration runs exactly once. Running `migrate` again is a no-op.
struct Migrator: Sendable {
    let connection: PostgresConnection
    let migrations: [Migration]
    private let logger: Logger

    init(
        connection: PostgresConnection, migrations: [Migration] = StoreMigrations.all,
        logger: Logger = Logger(label: "tradu.store")
    ) {
        precondition(migrations.first.map { $0.version > 0 } ?? true, "migration versions must be positive")
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version },
            "migration versions must be strictly increasing")
        self.connection = connection
        self.migrations = migrations
        self.logger = logger
    }

    /// Creates the schema if needed and applies pending migrations. Returns the ones this call applied.
    /// Throws `StoreError.databaseNewerThanCode` if the schema has versions this build does not know.
    @discardableResult
    func migrate(environmentSchema schema: EnvironmentSchema) async throws -> [Migration] {
        let lockKey = String(Migrator.lockKey(for: schema))
        let known = Set(migrations.map(\.version))
        let newestKnown = migrations.last?.version ?? 0

        let alreadyApplied = try await connection.transaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey])
            try connection.execute(
                """
                CREATE SCHEMA IF NOT EXISTS \(schema.quoted);
                CREATE TABLE IF NOT EXISTS \(schema.quoted).schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                );
                -- Whether the release before the one that applied it may still run on the schema (an expand
                -- migration): what an older build reads about versions it does not know.
                ALTER TABLE \(schema.quoted).schema_migrations
                    ADD COLUMN IF NOT EXISTS older_release_may_run boolean NOT NULL DEFAULT false
                """)
            return try Migrator.appliedVersions(connection, schema)
        }
        if try Migrator.refuseUnknown(alreadyApplied, known: known, newestKnown: newestKnown, schema: schema) {
            // A newer release migrated this schema with expand migrations only: this build runs on it, and applies
            // nothing (every version it knows is older than those, and applied).
            logger.notice(
                "the schema is newer than this build, by expand migrations only: running on it",
                metadata: [
                    "schema": "\(schema)", "newest_known": "\(newestKnown)",
                    "newer": "\(alreadyApplied.map(\.version).filter { !known.contains($0) }.sorted())",
                ])
            return []
        }

        var appliedNow: [Migration] = []
        let appliedVersions = Set(alreadyApplied.map(\.version))
        for migration in migrations where !appliedVersions.contains(migration.version) {
            let applied = try await connection.transaction { connection in
                try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey])
                let current = try Migrator.appliedVersions(connection, schema)
                if try Migrator.refuseUnknown(current, known: known, newestKnown: newestKnown, schema: schema) {
                    return false  // a newer release migrated meanwhile
                }
                if current.contains(where: { $0.version == migration.version }) { return false }  // another was first
                try connection.execute("SET LOCAL search_path TO \(schema.quoted)")
                try connection.execute(migration.sql)
                try connection.query(
                    """
                    INSERT INTO \(schema.quoted).schema_migrations (version, name, older_release_may_run)
                    VALUES ($1, $2, $3::boolean)
                    """, [String(migration.version), migration.name, String(migration.compatibility == .expand)])
                return true
            }
            if applied {
                logger.info(
                    "applied migration",
                    metadata: ["schema": "\(schema)", "version": "\(migration.version)", "name": "\(migration.name)"])
                appliedNow.append(migration)
            }
        }
        return appliedNow
    }

    /// What is applied and what is pending; changes nothing.
    func status(environmentSchema schema: EnvironmentSchema) async throws -> MigrationStatus {
        let rows = try await connection.transaction { connection -> PostgresRows? in
            let exists = try connection.query(
                "SELECT to_regclass($1) IS NOT NULL AS present", ["\(schema.quoted).schema_migrations"])
            guard try exists[0].bool("present") == true else { return nil }
            return try connection.query(
                "SELECT version, name, applied_at FROM \(schema.quoted).schema_migrations ORDER BY version")
        }
        let applied = try (rows ?? PostgresRows.empty).map { row in
            MigrationStatus.Applied(
                version: try row.int("version") ?? 0, name: row["name"] ?? "", appliedAt: row["applied_at"] ?? "")
        }
        let appliedVersions = Set(applied.map(\.version))
        let known = Set(migrations.map(\.version))
        return MigrationStatus(
            schema: schema.name,
            schemaExists: rows != nil,
            applied: applied,
            pending: migrations.filter { !appliedVersions.contains($0.version) },
            unknownVersions: appliedVersions.subtracting(known).sorted())
    }

    private static func appliedVersions(_ connection: isolated PostgresConnection, _ schema: EnvironmentSchema)
        throws -> [(version: Int, olderReleaseMayRun: Bool)]
    {
        let rows = try connection.query(
            "SELECT version, older_release_may_run FROM \(schema.quoted).schema_migrations ORDER BY version")
        return try rows.compactMap { row in
            guard let version = try row.int("version") else { return nil }
            return (version, try row.bool("older_release_may_run") == true)
        }
    }

    /// Whether this build may run on a schema with versions it does not know: only when each of them is newer
    /// than all it knows and an expand migration (`true`). Throws `StoreError.databaseNewerThanCode` otherwise;
    /// `false` when every applied version is known.
    static func refuseUnknown(
        _ applied: [(version: Int, olderReleaseMayRun: Bool)], known: Set<Int>, newestKnown: Int,
        schema: EnvironmentSchema
    ) throws -> Bool {
        let unknown = applied.filter { !known.contains($0.version) }
        guard !unknown.isEmpty else { return false }
        guard unknown.allSatisfy({ $0.version > newestKnown && $0.olderReleaseMayRun }) else {
            throw StoreError.databaseNewerThanCode(
                schema: schema.name, unknownVersions: unknown.map(\.version).sorted(), newestKnownVersion: newestKnown)
        }
        return true
    }

    /// The advisory lock key for migrating `schema`: FNV-1a 64 of a prefixed name, stable across processes and
    /// builds (Swift's `hashValue` is randomly seeded per process, so it cannot be used).
    static func lockKey(for schema: EnvironmentSchema) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "tradu.migrate:\(schema.name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
