import Foundation
import Logging
import TraduEmbeddedPostgres
import TraduPostgres

/// The PostgreSQL a benchmark runs against: the one given, or an embedded one started for the run. The
/// embedded one is durable (fsync and synchronous commit on, `shared_buffers` 1 GB) unless `--unsafe-fsync-off`
/// asks otherwise, which every report then says.
struct BenchDatabase {
    var url: String
    var embedded: EmbeddedPostgres?
    var description: String
    /// False only for the embedded server with `--unsafe-fsync-off`.
    var durable = true

    static func start(
        databaseURL: String?, root: String, durable: Bool = true, settings: [String: String] = [:],
        locale: String? = nil, logger: Logger, say: (String) -> Void
    ) async throws -> BenchDatabase {
        if let databaseURL {
            let collation = (try? await Self.collation(databaseURL)).map { ", database collation \($0)" } ?? ""
            Phase.postmaster = await Self.localPostmaster(databaseURL)
            let counted =
                Phase.postmaster.map { ", server CPU counted from this machine's postmaster \($0) and its children" }
                ?? ", server CPU not counted: the server does not run on this machine"
            return BenchDatabase(
                url: databaseURL, embedded: nil,
                description: "external (\(PostgresConnectionString.target(databaseURL))\(collation)\(counted))")
        }
        var configuration = EmbeddedPostgres.Configuration(home: root + "/pg-home")
        configuration.durable = durable
        configuration.serverSettings["shared_buffers"] = "1GB"
        configuration.serverSettings.merge(settings) { $1 }
        let shown = configuration.serverSettings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            .joined(separator: ", ")
        let server = EmbeddedPostgres(configuration: configuration, logger: logger)
        let started = try await Phase.measure { try await server.up() }
        if let data = try? server.status().dataDirectory,
            let pidFile = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8)
        {
            Phase.postmaster = pidFile.split(separator: "\n").first.flatMap { Int($0) }
        }
        say("started embedded PostgreSQL in \(Format.seconds(started.seconds)) (durable: \(durable))")
        var url = started.value
        if let locale { url = try await Self.createDatabase(localed: locale, on: server, adminURL: url) }
        let collation = ", database collation \(locale ?? "C")"
        return BenchDatabase(
            url: url, embedded: server,
            description: durable
                ? "embedded PostgreSQL, durable (fsync on, synchronous_commit on, \(shown)\(collation))"
                : "embedded PostgreSQL, UNSAFE: fsync off (figures are optimistic for I/O; \(shown)\(collation))",
            durable: durable)
    }

    /// Creates the run's database with `locale`'s collation, the way managed services create theirs (the embedded
    /// server's own databases use C): a libc locale (`en_US.UTF-8`, which must exist on the machine: `locale -a`)
    /// or `icu:` and an ICU locale (`icu:en-US`, PostgreSQL 15 or later). Returns its URL.
    static func createDatabase(localed locale: String, on server: EmbeddedPostgres, adminURL: String) async throws
        -> String
    {
        let name = "bench_localed"
        let admin = try await PostgresConnection.connect(adminURL)
        defer { Task { await admin.close() } }
        try await admin.execute("CREATE DATABASE \(name) \(try DatabaseLocale.createClauses(locale))")
        return try server.url(database: name)
    }

    /// The database's default collation as `--database-locale` names it (`C`, `en_US.UTF-8`, `icu:en-US`): on a
    /// linguistic one, text keys that are not in byte order cost more to compare (migration 20 puts tradu's in it).
    static func collation(_ url: String) async throws -> String? {
        try await scalar(
            url,
            """
            SELECT CASE WHEN coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') = 'i'
                        THEN 'icu:' || (to_jsonb(d) ->> 'daticulocale') ELSE d.datcollate END
            FROM pg_database d WHERE d.datname = current_database()
            """)
    }

    /// Drops what one run made on the server (its schema and extra databases), keeping the server.
    func dropSchema(_ schema: String, extraDatabases: [String] = []) async throws {
        let connection = try await PostgresConnection.connect(url)
        try await connection.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        for database in extraDatabases { try? await Self.dropDatabase(database, connection) }
        await connection.close()
    }

    /// Drops `database`, ending the sessions still on it: a pooler in front of the server (PgBouncer) keeps its
    /// server connections to the reference database open after pgbench leaves, and a plain drop then fails.
    /// `WITH (FORCE)` needs PostgreSQL 13; older servers get the plain drop.
    static func dropDatabase(_ database: String, _ connection: PostgresConnection) async throws {
        do {
            try await connection.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        } catch let error as PostgresError where error.sqlState == "42601" {
            try await connection.execute("DROP DATABASE IF EXISTS \(database)")
        }
    }

    /// Removes what the run made (the embedded cluster, or the schema and extra databases on a given server)
    /// and the project folder; with `keep`, says what was kept instead.
    func cleanUp(root: String, schema: String, keep: Bool, extraDatabases: [String] = []) async throws {
        guard !keep else {
            let databases = extraDatabases.map { ", database \($0)" }.joined()
            let server = embedded != nil ? ", embedded PostgreSQL running (home \(root)/pg-home)" : ""
            FileHandle.standardError.write(Data("kept: project \(root), schema \(schema)\(databases)\(server)\n".utf8))
            return
        }
        if let embedded {
            try embedded.destroy()
        } else {
            let connection = try await PostgresConnection.connect(url)
            try await connection.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            for database in extraDatabases { try? await Self.dropDatabase(database, connection) }
            await connection.close()
        }
        try FileManager.default.removeItem(atPath: root)
    }

    /// The postmaster of the server at `url` when it runs on this machine: the parent of this session's backend,
    /// taken only when it is a `postgres` process that started when the server says it did (a server in another
    /// pid namespace or on another host may share a pid with an unrelated local process). Through a pooler the
    /// backend is the pooler's server connection, whose parent is the same postmaster.
    static func localPostmaster(_ url: String) async -> Int? {
        guard let connection = try? await PostgresConnection.connect(url) else { return nil }
        defer { Task { await connection.close() } }
        guard
            let row = try? await connection.query(
                "SELECT pg_backend_pid(), extract(epoch FROM pg_postmaster_start_time())::float8"
            ).first,
            let backendPID = row[0].flatMap({ Int($0) }), let serverStart = row[1].flatMap({ Double($0) }),
            let backend = ProcessStat(pid: backendPID), backend.command == "postgres",
            let postmaster = ProcessStat(pid: backend.parent), postmaster.command == "postgres",
            let started = postmaster.startedAt, abs(started - serverStart) < 2
        else { return nil }
        return backend.parent
    }

    /// The first column of the first row of `sql`.
    static func scalar(_ url: String, _ sql: String) async throws -> String? {
        let connection = try await PostgresConnection.connect(url)
        let rows = try await connection.query(sql)
        await connection.close()
        return rows.first?[0]
    }
}
