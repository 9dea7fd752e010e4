import Testing
import TraduPostgres
import TraduTestSupport

@Suite struct ConcurrencyTests {
    /// Each connection has its own thread, so eight blocking `pg_sleep` calls run at the same time instead of
    /// queueing on the two-thread cooperative pool. Checked with server timestamps: every sleep started before
    /// any finished.
    @Test func eightConnectionsRunInParallel() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        var connections: [PostgresConnection] = []
        for _ in 0..<8 {
            connections.append(try await PostgresConnection.connect(url))
        }
        let spans = try await withThrowingTaskGroup(of: (start: Double, end: Double).self) { group in
            for connection in connections {
                group.addTask {
                    let row = try await connection.query(
                        """
                        SELECT extract(epoch FROM clock_timestamp())::float8 AS started,
                               pg_sleep(0.3),
                               extract(epoch FROM clock_timestamp())::float8 AS ended
                        """)[0]
                    return (try row.double("started")!, try row.double("ended")!)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(spans.count == 8)
        let latestStart = spans.map(\.start).max()!
        let earliestEnd = spans.map(\.end).min()!
        #expect(latestStart < earliestEnd, "all eight sleeps overlapped")
    }

    /// Many tasks sharing one connection: statements are serialised, none is lost or interleaved.
    @Test func sharedConnectionSerialisesCalls() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE n (v int)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for value in 0..<50 {
                group.addTask {
                    _ = try await connection.transaction { connection in
                        try connection.query("INSERT INTO n VALUES ($1)", [String(value)])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await connection.query("SELECT count(DISTINCT v) AS n FROM n")[0].int("n") == 50)
    }
}
