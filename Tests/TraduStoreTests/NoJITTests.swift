import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// A store turns JIT off in every transaction: its statements read a few index entries each, and a server that
/// compiles them because the tables grew pays milliseconds a call for nothing.
@Suite struct NoJITTests {
    static let statement =
        "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM tradu_dev.blocks WHERE state = 'in_process'"

    /// With the database's thresholds at zero the server compiles every statement it runs: a plain session's
    /// statement is compiled, the same statement in a store's session is not.
    @Test func aStoresStatementsAreNotCompiledWhereThePlainSessionsAre() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let store = try await Store.open(url: url, environment: "dev")
        let admin = try await PostgresConnection.connect(url)
        let available = try await admin.query("SELECT pg_jit_available() AS available").first?["available"]
        try #require(available == "t", "this server has no JIT (Debian's postgresql-15 ships llvmjit.so)")
        let database = try #require(try await admin.query("SELECT current_database() AS name").first?["name"])
        for setting in ["jit_above_cost", "jit_inline_above_cost", "jit_optimize_above_cost"] {
            try await admin.execute("ALTER DATABASE \(try PostgresQuoting.identifier(database)) SET \(setting) = 0")
        }
        await admin.close()

        let plain = try await PostgresConnection.connect(url)
        let plainPlan = try await plain.query(Self.statement).first?[0] ?? ""
        await plain.close()
        #expect(plainPlan.contains("\"JIT\""), "a plain session compiles: \(plainPlan)")

        await store.close()
        let reopened = try await Store.open(url: url, environment: "dev")
        let storePlan = try await reopened.connection.query(Self.statement).first?[0] ?? ""
        #expect(!storePlan.contains("\"JIT\""), "the store's session does not: \(storePlan)")
        #expect(try await reopened.connection.query("SHOW jit").first?[0] == "off")
        await reopened.close()
    }
}
