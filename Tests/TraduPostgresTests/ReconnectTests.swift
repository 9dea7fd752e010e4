import Testing
import TraduPostgres
import TraduTestSupport

@Suite struct ReconnectTests {
    @Test func recoversAfterBackendIsTerminated() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let victim = try await PostgresConnection.connect(url)
        let other = try await PostgresConnection.connect(url)
        try await victim.listen("after-reconnect")
        try await victim.addSessionSetup("SET application_name = 'tradu-victim'")
        let oldPID = try await victim.backendPID

        let terminated = try await other.query(
            "SELECT pg_terminate_backend($1::int, 5000) AS done", [String(oldPID)])
        #expect(try terminated[0].bool("done") == true)

        let error = await #expect(throws: PostgresError.self) { try await victim.query("SELECT 1") }
        #expect(error?.isConnectionLoss == true)
        #expect(await victim.isConnected == false)

        // The next call reconnects and restores the session.
        let rows = try await victim.query("SELECT current_setting('application_name') AS name")
        #expect(rows[0]["name"] == "tradu-victim")
        #expect(try await victim.backendPID != oldPID)

        try await other.notify("after-reconnect", payload: "still listening")
        let notifications = try await victim.waitForNotifications(timeout: .seconds(5))
        #expect(notifications.map(\.payload) == ["still listening"])
    }

    @Test func waitingListenerSeesConnectionLoss() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let listener = try await PostgresConnection.connect(url)
        let other = try await PostgresConnection.connect(url)
        try await listener.listen("c")
        let pid = try await listener.backendPID
        let waiting = Task { try await listener.waitForNotifications(timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(200))
        try await other.query("SELECT pg_terminate_backend($1::int, 5000)", [String(pid)])
        let error = await #expect(throws: PostgresError.self) { try await waiting.value }
        #expect(error?.isConnectionLoss == true)
        try await listener.reconnectIfNeeded()
        try await other.notify("c", payload: "back")
        #expect(try await listener.waitForNotifications(timeout: .seconds(5)).map(\.payload) == ["back"])
    }

    @Test func recoversAfterServerRestart() async throws {
        let server = TestPostgres()
        defer { Task { try? await server.stop() } }
        let url = try await server.url()
        let connection = try await PostgresConnection.connect(url)
        try await connection.listen("restart")
        try await connection.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')")

        try await server.restart(mode: .fast)

        let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
        #expect(error?.isConnectionLoss == true)
        try await connection.reconnectIfNeeded()
        #expect(try await connection.query("SELECT v FROM kept")[0]["v"] == "before")

        let sender = try await PostgresConnection.connect(url)
        try await sender.notify("restart", payload: "hello again")
        #expect(try await connection.waitForNotifications(timeout: .seconds(5)).map(\.payload) == ["hello again"])
    }

    @Test func reconnectFailsClearlyWhileServerIsDown() async throws {
        let server = TestPostgres()
        let connection = try await PostgresConnection.connect(try await server.url())
        try await server.stop(mode: .immediate)
        _ = try? await connection.query("SELECT 1")
        let error = await #expect(throws: PostgresError.self) { try await connection.reconnectIfNeeded() }
        #expect(error?.isConnectionLoss == true)
        #expect(error?.message.contains("could not connect to PostgreSQL at") == true)
    }

    @Test func noSilentReconnectInsideTransaction() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let connection = try await PostgresConnection.connect(url)
        try await connection.execute("CREATE TABLE t (v int)")
        let pid = try await connection.backendPID
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.query("INSERT INTO t VALUES (1)")
                // The backend dies mid-transaction; the next statement must fail, not reconnect and go on.
                _ = try? connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                try connection.query("INSERT INTO t VALUES (2)")
            }
        }
        #expect(error?.isConnectionLoss == true)
        #expect(try await connection.query("SELECT count(*) AS n FROM t")[0].int("n") == 0)
        #expect(try await connection.backendPID != pid)
    }
}
