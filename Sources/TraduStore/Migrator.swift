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
                )
                """)
            return try Migrator.appliedVersions(connection, schema)
        }
        try Migrator.refuseUnknown(alreadyApplied, known: known, newestKnown: newestKnown, schema: schema)

        var appliedNow: [Migration] = []
        for migration in migrations where !alreadyApplied.contains(migration.version) {
            let applied = try await connection.transaction { connection in
                try connection.query("SELECT pg_advisory_xact_lock($1::bigint)", [lockKey])
                let current = try Migrator.appliedVersions(connection, schema)
                try Migrator.refuseUnknown(current, known: known, newestKnown: newestKnown, schema: schema)
                if current.contains(migration.version) { return false }  // another process was first
                try connection.execute("SET LOCAL search_path TO \(schema.quoted)")
                try connection.execute(migration.sql)
                try connection.query(
                    "INSERT INTO \(schema.quoted).schema_migrations (version, name) VALUES ($1, $2)",
                    [String(migration.version), migration.name])
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
        throws -> Set<Int>
    {
        let rows = try connection.query("SELECT version FROM \(schema.quoted).schema_migrations")
        return Set(try rows.compactMap { try $0.int("version") })
    }

    private static func refuseUnknown(
        _ applied: Set<Int>, known: Set<Int>, newestKnown: Int, schema: EnvironmentSchema
    ) throws {
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw StoreError.databaseNewerThanCode(
                schema: schema.name, unknownVersions: unknown.sorted(), newestKnownVersion: newestKnown)
        }
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
