import Foundation
import Testing
import TraduEmbeddedPostgres
import TraduPostgres
import TraduTestSupport

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct EmbeddedPostgresTests {
    private func makeServer(home: String, configure: (inout EmbeddedPostgres.Configuration) -> Void = { _ in })
        -> EmbeddedPostgres
    {
        var configuration = EmbeddedPostgres.Configuration(home: home)
        configuration.durable = false
        configure(&configuration)
        let server = EmbeddedPostgres(configuration: configuration)
        TestPostgres.removeAtExit(server)
        return server
    }

    /// Also covers the socket fallback: the home path is so long that `<home>/postgres/run/.s.PGSQL.<port>`
    /// would not fit a unix socket address.
    @Test func upStatusDownUpReusesTheDataDirectory() async throws {
        let home = TestPostgres.makeTemporaryDirectory() + "/" + String(repeating: "long-directory-name-", count: 5)
        let server = makeServer(home: home)
        #expect(try server.status().state == .notInitialised)
        #expect(throws: EmbeddedPostgresError.notInitialised(home: home)) { try server.url() }

        let url = try await server.up()
        let running = try server.status()
        guard case .running(let pid) = running.state else {
            Issue.record("expected running, got \(running.state)")
            return
        }
        #expect(running.url == url)
        #expect(running.socketDirectory?.hasPrefix("/tmp/tradu-") == true)
        #expect(running.dataDirectory == home + "/postgres/data")
        #expect(try server.url() == url)

        let connection = try await PostgresConnection.connect(url)
        #expect(try await connection.query("SELECT current_database() AS db")[0]["db"] == "tradu")
        #expect(try await connection.query("SHOW listen_addresses")[0]["listen_addresses"] == "")
        try await connection.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
        await connection.close()

        // up() while running is a no-op returning the same URL.
        #expect(try await server.up() == url)
        #expect(try server.status().state == .running(pid: pid))

        #expect(try await server.down())
        #expect(try server.status().state == .stopped)
        #expect(try await server.down() == false)

        #expect(try await server.up() == url)
        let again = try await PostgresConnection.connect(url)
        #expect(try await again.query("SELECT v FROM kept")[0]["v"] == "still here")
        await again.close()

        try server.destroy()
        #expect(try server.status().state == .notInitialised)
    }

    @Test(.enabled(if: geteuid() == 0, "only root switches to the postgres user"))
    func unreachableHomeMovesClusterToFallback() async throws {
        let parent = TestPostgres.makeTemporaryDirectory() + "/private"
        try FileManager.default.createDirectory(
            atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let server = makeServer(home: parent + "/project/.tradu")
        let url = try await server.up()
        let status = try server.status()
        #expect(status.dataDirectory?.hasPrefix("/var/lib/tradu/") == true)
        let connection = try await PostgresConnection.connect(url)
        #expect(try await connection.query("SELECT current_user AS u")[0]["u"] == "tradu")
        await connection.close()
        try server.destroy()
        #expect(FileManager.default.fileExists(atPath: status.dataDirectory!) == false)
    }

    @Test func missingBinariesSayHowToInstall() async throws {
        let server = makeServer(home: TestPostgres.makeTemporaryDirectory()) {
            $0.binDirectory = "/nonexistent/postgresql/bin"
        }
        let error = await #expect(throws: EmbeddedPostgresError.self) { try await server.up() }
        #expect(error == .binariesNotFound(searched: ["/nonexistent/postgresql/bin"]))
        #expect(error.map { "\($0)" }?.contains("apt-get install postgresql") == true)
    }

    @Test func portTakenByAnotherServer() async throws {
        let socketDirectory = TestPostgres.makeTemporaryDirectory()
        let port = try EmbeddedPostgres.freePort()
        let first = makeServer(home: TestPostgres.makeTemporaryDirectory()) {
            $0.port = port
            $0.socketDirectory = socketDirectory
        }
        let second = makeServer(home: TestPostgres.makeTemporaryDirectory()) {
            $0.port = port
            $0.socketDirectory = socketDirectory
        }
        try await first.up()
        defer { try? first.destroy() }
        let error = await #expect(throws: EmbeddedPostgresError.self) { try await second.up() }
        guard case .portInUse(let reportedPort, let directory, let pid)? = error else {
            Issue.record("expected portInUse, got \(String(describing: error))")
            return
        }
        #expect(reportedPort == port)
        #expect(directory == socketDirectory)
        guard case .running(let firstPID) = try first.status().state else {
            Issue.record("first server should still run")
            return
        }
        #expect(pid == firstPID)
        #expect(error.map { "\($0)" }?.contains("already uses port \(port)") == true)
    }

    @Test func startupFailureShowsServerLog() async throws {
        let server = makeServer(home: TestPostgres.makeTemporaryDirectory()) {
            $0.serverSettings = ["shared_buffers": "not-a-size"]
        }
        let error = await #expect(throws: EmbeddedPostgresError.self) { try await server.up() }
        guard case .startupFailed(_, let logTail)? = error else {
            Issue.record("expected startupFailed, got \(String(describing: error))")
            return
        }
        #expect(logTail.contains("shared_buffers"))
        #expect(try server.status().state == .stopped)
    }

    @Test func immediateStopAndRestart() async throws {
        let server = makeServer(home: TestPostgres.makeTemporaryDirectory())
        let url = try await server.up()
        #expect(try server.downNow(mode: .immediate))
        #expect(try server.status().state == .stopped)
        #expect(try await server.up() == url)
        try server.destroy()
    }
}
