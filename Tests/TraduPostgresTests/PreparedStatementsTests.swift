import Testing

@testable import TraduPostgres

/// The cache's decisions, without a server: what to prepare, what to execute, what to forget.
@Suite struct PreparedStatementsTests {
    @Test func aStatementIsPreparedOnceThenExecutedByItsName() {
        var cache = PreparedStatements(capacity: 4)
        let first = cache.step(sql: "SELECT $1::int", types: [0])
        guard case .prepare(let name, let forgetting) = first else {
            Issue.record("expected a prepare step, got \(first)")
            return
        }
        #expect(forgetting.isEmpty)
        #expect(cache.step(sql: "SELECT $1::int", types: [0]) == .execute(name: name))
        #expect(cache.count == 1)
    }

    /// The name is a digest of the text and the parameter types: stable across connections and processes (two
    /// sessions holding a name hold the same statement), different for either change.
    @Test func namesAreDigestsOfTheTextAndTheTypes() {
        let name = PreparedStatements.name(for: .init(sql: "SELECT $1", types: [0]))
        #expect(name == PreparedStatements.name(for: .init(sql: "SELECT $1", types: [0])))
        #expect(name.hasPrefix("tradu_") && name.count == 38)
        #expect(name.dropFirst(6).allSatisfy { "0123456789abcdef".contains($0) })
        #expect(name != PreparedStatements.name(for: .init(sql: "SELECT $1", types: [1009])))
        #expect(name != PreparedStatements.name(for: .init(sql: "SELECT $1 ", types: [0])))
        // The types and the text are kept apart: moving a character from one to the other changes the name.
        #expect(
            PreparedStatements.name(for: .init(sql: "1SELECT", types: [2]))
                != PreparedStatements.name(for: .init(sql: "SELECT", types: [21])))
    }

    @Test func aFullCacheForgetsTheLeastRecentlyUsedStatement() {
        var cache = PreparedStatements(capacity: 2)
        _ = cache.step(sql: "a", types: [])
        _ = cache.step(sql: "b", types: [])
        _ = cache.step(sql: "a", types: [])
        let third = cache.step(sql: "c", types: [])
        #expect(
            third
                == .prepare(
                    name: PreparedStatements.name(for: .init(sql: "c", types: [])),
                    forgetting: [PreparedStatements.name(for: .init(sql: "b", types: []))]))
        #expect(cache.count == 2)
        // `a` stayed, `b` must be prepared again.
        if case .prepare = cache.step(sql: "a", types: []) { Issue.record("a was forgotten") }
        if case .execute = cache.step(sql: "b", types: []) { Issue.record("b was kept") }
    }

    @Test func aForgottenStatementIsPreparedAgain() {
        var cache = PreparedStatements(capacity: 4)
        _ = cache.step(sql: "a", types: [])
        cache.forget(sql: "a", types: [])
        if case .execute = cache.step(sql: "a", types: []) { Issue.record("a was kept") }
        cache.removeAll()
        #expect(cache.count == 0)
    }

    @Test func aSessionIsTheServersOwnOnlyWhenBothProcessIDsAgree() {
        #expect(PoolerCheck.ownsSession(reportedPID: 4242, serverPID: 4242))
        #expect(!PoolerCheck.ownsSession(reportedPID: 4242, serverPID: 4243))
        #expect(!PoolerCheck.ownsSession(reportedPID: 4242, serverPID: nil))
        #expect(!PoolerCheck.ownsSession(reportedPID: 0, serverPID: 0))
    }
}
