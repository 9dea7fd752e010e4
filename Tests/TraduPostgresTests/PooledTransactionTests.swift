import Foundation
import Testing
import TraduPostgres
import TraduTestSupport

/// Settings a connection needs in every transaction, through a real PgBouncer in transaction mode whose single
/// server session every client shares.
@Suite struct PooledTransactionTests {
    /// A fresh database (its URL and name) and a PgBouncer in transaction mode in front of it, whose pool of one
    /// server session every client shares. The caller stops the bouncer.
    static func behindOneServerSession() async throws -> (database: String, name: String, bouncer: TestPgBouncer) {
        let database = try await TestPostgres.shared.freshDatabase()
        let name = try #require(URLComponents(string: database)?.path.dropFirst()).description
        return (database, name, try await TestPgBouncer(serverURL: database, poolSize: 1))
    }

    /// The failure the settings exist for: behind a transaction pooler a session `SET` lands on a server session
    /// the next client then uses. With `setForEveryTransaction` each statement sees its own connection's value,
    /// however the clients interleave, including statements outside an explicit transaction.
    @Test func everyTransactionSeesItsOwnSettingsThroughOneSharedServerSession() async throws {
        let (database, name, bouncer) = try await Self.behindOneServerSession()
        defer { bouncer.stop() }
        let admin = try await PostgresConnection.connect(database)
        try await admin.execute("CREATE SCHEMA alpha; CREATE SCHEMA beta")
        await admin.close()

        // Session state leaks: what one client SETs, the other sees.
        let first = try await PostgresConnection.connect(bouncer.url(database: name))
        let second = try await PostgresConnection.connect(bouncer.url(database: name))
        try await first.execute("SET search_path TO alpha")
        try await second.execute("SET search_path TO beta")
        let leaked = try await first.query("SELECT current_schema() AS s").first?["s"]
        #expect(leaked == "beta", "one server session: the second client's SET is what the first sees")
        try await first.execute("RESET search_path")

        // Per-transaction settings do not.
        try await first.setForEveryTransaction("search_path", to: "alpha")
        try await second.setForEveryTransaction("search_path", to: "beta")
        for round in 0..<40 {
            let (a, b) = (first, second)
            let seenByFirst = Task { try await a.query("SELECT current_schema() AS s").first?["s"] ?? nil }
            let seenBySecond = Task {
                round.isMultiple(of: 2)
                    ? try await b.transaction { try $0.query("SELECT current_schema() AS s").first?["s"] ?? nil }
                    : try await b.query("SELECT current_schema() AS s").first?["s"] ?? nil
            }
            #expect(try await seenByFirst.value == "alpha")
            #expect(try await seenBySecond.value == "beta")
        }
        try await first.execute("CREATE TABLE marks (n int)")
        try await second.execute("CREATE TABLE marks (n int)")
        try await first.query("INSERT INTO marks VALUES (1)")
        try await second.query("INSERT INTO marks VALUES (2)")
        let check = try await PostgresConnection.connect(database)
        let rows = try await check.query(
            "SELECT (SELECT string_agg(n::text, ',') FROM alpha.marks) AS a, (SELECT string_agg(n::text, ',') FROM beta.marks) AS b"
        )
        #expect(rows.first?["a"] == "1" && rows.first?["b"] == "2")
        await check.close()
        await first.close()
        await second.close()
    }

    /// Behind a transaction pooler a statement prepared in one server session is missing from the next, or was
    /// prepared there by another client. PgBouncer answers the startup with a process id of its own, which tells
    /// the connection not to prepare; a direct connection to the same database does.
    @Test func aConnectionThroughAPoolerPreparesNothing() async throws {
        let (database, name, bouncer) = try await Self.behindOneServerSession()
        defer { bouncer.stop() }
        let direct = try await PostgresConnection.connect(database)
        #expect(await direct.preparesStatements)
        let pooled = try await PostgresConnection.connect(bouncer.url(database: name))
        let other = try await PostgresConnection.connect(bouncer.url(database: name))
        let serverPID = try await pooled.query("SELECT pg_backend_pid() AS pid")[0].int("pid")
        #expect(try await pooled.backendPID != Int32(serverPID ?? 0), "PgBouncer reports its own process id")
        let pooledPrepares = await pooled.preparesStatements
        let otherPrepares = await other.preparesStatements
        #expect(!pooledPrepares && !otherPrepares)
        // Both clients run the same statements through the one server session, interleaved.
        for round in 0..<20 {
            let (a, b) = (pooled, other)
            let first = Task { try await a.query("SELECT $1::int + 1 AS next", [String(round)])[0].int("next") }
            let second = Task { try await b.query("SELECT $1::int + 2 AS next", [String(round)])[0].int("next") }
            #expect(try await first.value == round + 1)
            #expect(try await second.value == round + 2)
        }
        #expect(try await pooled.query("SELECT count(*) AS n FROM pg_prepared_statements")[0].int("n") == 0)
        await direct.close()
        await pooled.close()
        await other.close()
    }
}
