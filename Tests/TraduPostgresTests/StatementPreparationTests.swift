import Testing
import TraduPostgres
import TraduTestSupport

/// Statements with parameters run prepared on a direct connection, and stay right through a full cache, a rolled
/// back transaction, a lost session and a session that forgot them.
@Suite struct StatementPreparationTests {
    /// The statements the connection's session holds, read without parameters (so not prepared itself).
    static func held(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.query("SELECT name || ' ' || statement AS s FROM pg_prepared_statements ORDER BY 1")
            .compactMap { $0["s"] ?? nil }
    }

    @Test func aDirectConnectionPreparesEachStatementOnceWithCustomPlans() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        #expect(await connection.preparesStatements)
        for n in 1...7 {
            let rows = try await connection.query("SELECT $1::int * 2 AS twice", [String(n)])
            #expect(try rows[0].int("twice") == n * 2)
        }
        let held = try await Self.held(connection)
        #expect(held.count == 1 && held[0].hasPrefix("tradu_") && held[0].hasSuffix("SELECT $1::int * 2 AS twice"))
        // Past five executions PostgreSQL may switch to a generic plan; the connection keeps custom ones.
        #expect(try await connection.query("SHOW plan_cache_mode")[0][0] == "force_custom_plan")
        let plans = try await connection.query("SELECT generic_plans, custom_plans FROM pg_prepared_statements")
        #expect(try plans[0].int("generic_plans") == 0 && plans[0].int("custom_plans") == 7)
    }

    @Test func aFullSessionDeallocatesTheLeastRecentlyUsedStatement() async throws {
        let connection = try await PostgresConnection.connect(
            try await TestPostgres.shared.freshDatabase(), preparedStatementLimit: 2)
        for text in ["a", "b", "a", "c", "b", "a"] {
            let rows = try await connection.query("SELECT $1::text AS v, '\(text)' AS which", [text + "!"])
            #expect(rows[0]["v"] == text + "!" && rows[0]["which"] == text)
        }
        let held = try await Self.held(connection)
        #expect(
            held.count == 2 && held.contains { $0.hasSuffix("'a' AS which") }
                && held.contains { $0.hasSuffix("'b' AS which") })
    }

    /// A prepared statement is not part of the transaction that prepared it: a rollback leaves it, and the cache
    /// that counts it held stays right.
    @Test func aStatementPreparedInARolledBackTransactionStillRuns() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await connection.transaction { connection in
                _ = try connection.query("SELECT $1::int + 1 AS next", ["1"])
                throw Abort()
            }
        }
        #expect(try await connection.query("SELECT $1::int + 1 AS next", ["41"])[0].int("next") == 42)
        #expect(try await Self.held(connection).count == 1)
    }

    @Test func aNewSessionPreparesAgain() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let connection = try await PostgresConnection.connect(url)
        let other = try await PostgresConnection.connect(url)
        #expect(try await connection.query("SELECT $1::int AS n", ["1"])[0].int("n") == 1)
        let pid = try await connection.backendPID
        try await other.query("SELECT pg_terminate_backend($1::int, 5000)", [String(pid)])
        await #expect(throws: PostgresError.self) { try await connection.query("SELECT $1::int AS n", ["2"]) }
        // The next call reconnects; the new session holds nothing until the statement runs again.
        #expect(try await connection.query("SELECT $1::int AS n", ["3"])[0].int("n") == 3)
        #expect(try await connection.backendPID != pid)
        #expect(try await Self.held(connection).count == 1)
        #expect(await connection.preparesStatements)
    }

    /// Something else deallocated the session's statements: the call that finds its statement gone fails, as any
    /// statement error does, and the next one prepares it again.
    @Test func aStatementTheSessionForgotIsPreparedAgain() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        #expect(try await connection.query("SELECT $1::int AS n", ["1"])[0].int("n") == 1)
        try await connection.execute("DEALLOCATE ALL")
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::int AS n", ["2"])
        }
        #expect(error?.sqlState == "26000")
        #expect(try await connection.query("SELECT $1::int AS n", ["3"])[0].int("n") == 3)
    }

    @Test func aLimitOfZeroPreparesNothing() async throws {
        let connection = try await PostgresConnection.connect(
            try await TestPostgres.shared.freshDatabase(), preparedStatementLimit: 0)
        let prepares = await connection.preparesStatements
        #expect(!prepares)
        #expect(try await connection.query("SELECT $1::int AS n", ["5"])[0].int("n") == 5)
        #expect(try await Self.held(connection).isEmpty)
    }
}
