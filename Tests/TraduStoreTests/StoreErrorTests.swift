import Testing
import TraduCore
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// The one mapping from PostgreSQL's answers to what the runtime does with them.
@Suite struct StoreErrorTests {
    static func mapped(_ sqlState: String?, kind: PostgresError.Kind = .query) -> StoreError {
        StoreError(PostgresError(kind: kind, sqlState: sqlState, message: "m"))
    }

    @Test(arguments: [
        "08006", "08001", "53100", "53200", "53300", "57P01", "57P02", "57P03", "57014", "58030", "25006",
    ])
    func theDatabasesTroubleIsWaitedOut(sqlState: String) {
        let error = Self.mapped(sqlState)
        #expect(error.isTransient)
        #expect(error.sqlState == sqlState)
        #expect(error.blockErrorClass == .infrastructure, "never charged to the block")
        #expect(error.metricClass == String(sqlState.prefix(2)))
    }

    @Test func aLostConnectionWithoutSQLStateIsWaitedOut() {
        let error = Self.mapped(nil, kind: .connection)
        #expect(error.isTransient)
        #expect(error.metricClass == "connection")
    }

    @Test(arguments: ["40001", "40P01"])
    func conflictsAreRetried(sqlState: String) {
        let error = Self.mapped(sqlState)
        guard case .conflict = error else {
            Issue.record("expected a conflict, got \(error)")
            return
        }
        #expect(error.isTransient)
    }

    @Test(arguments: ["22021", "22001", "23505", "23514", "23503"])
    func valuesAndConstraintsAreTheBlocksData(sqlState: String) {
        let error = Self.mapped(sqlState)
        #expect(!error.isTransient)
        #expect(error.blockErrorClass == .data)
    }

    @Test(arguments: ["42601", "42P01", "XX000", "25P02"])
    func everythingElseIsADefect(sqlState: String) {
        let error = Self.mapped(sqlState)
        #expect(!error.isTransient)
        #expect(error.blockErrorClass == .logic)
    }

    @Test func unexpectedRowsAreNotRetried() {
        let error = Self.mapped(nil, kind: .decoding)
        #expect(error == .unexpectedData("PostgreSQL decoding error: m"))
        #expect(!error.isTransient && error.blockErrorClass == .logic)
    }
}

/// `limitStatements`: the API's bound on every statement of a session.
@Suite struct StatementLimitTests {
    @Test func aStatementPastTheLimitIsCutOffAndTheSessionGoesOn() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let store = try await Store.open(url: url, environment: "dev")
        try await store.limitStatements(to: .milliseconds(200))
        await #expect(throws: StoreError.self) { try await store.connection.query("SELECT pg_sleep(2)") }
        do {
            try await store.connection.query("SELECT pg_sleep(2)")
        } catch let error as StoreError {
            #expect(error.sqlState == "57014", "\(error)")
        }
        let rows = try await store.connection.query("SELECT 1 AS one")
        #expect(rows.first?["one"] == "1", "the next statement runs")
        await store.close()
    }
}
