import Foundation
import Logging
import TraduEmbeddedPostgres
import TraduPostgres

/// A real PostgreSQL server for tests, started with `EmbeddedPostgres` in a fresh `/tmp/tradu-test-*`
/// directory on a free port.
///
/// `TestPostgres.shared` is started once per test process, lazily, by whichever test asks first; concurrent
/// callers wait for the same start. Every server is stopped (`-m immediate`) and its files deleted when the
/// process exits. Tests share the server but not data: each asks for `freshDatabase()`.
public actor TestPostgres {
    /// The process-wide server. Never restart it: other tests are using it.
    public static let shared = TestPostgres()

    public nonisolated let embedded: EmbeddedPostgres
    public nonisolated let directory: String

    private var startup: Task<String, Error>?
    private var admin: Task<PostgresConnection, Error>?
    private var databaseCount = 0

    /// A server of its own (for tests that stop or restart it). Starts on first use like `shared`.
    /// - Parameter directory: where its files go (a tmpfs a test fills, say); a fresh temporary directory when nil.
    /// - Parameter settings: server settings over the defaults (`max_connections` 300).
    public init(directory: String? = nil, settings: [String: String] = [:]) {
        self.directory = directory ?? TestPostgres.makeTemporaryDirectory()
        var configuration = EmbeddedPostgres.Configuration(home: self.directory)
        configuration.durable = false
        configuration.serverSettings = ["max_connections": "300"].merging(settings) { $1 }
        embedded = EmbeddedPostgres(configuration: configuration, logger: Logger(label: "tradu.test-postgres"))
        TestCleanup.register(embedded, directory: self.directory)
    }

    /// The URL of the server's default database, starting the server if needed.
    public func url() async throws -> String {
        if let startup { return try await startup.value }
        let embedded = embedded
        let task = Task { try await embedded.up() }
        startup = task
        return try await task.value
    }

    /// Creates an empty database only the caller uses and returns its URL.
    /// - Parameter icuLocale: an ICU locale (`en-US`) for the database's default collation, as managed services
    ///   create theirs; nil keeps the server's C collation.
    public func freshDatabase(icuLocale: String? = nil) async throws -> String {
        databaseCount += 1
        let name = "test_\(databaseCount)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try await adminConnection()
        var statement = "CREATE DATABASE \(try PostgresQuoting.identifier(name))"
        if let icuLocale { statement += " " + (try DatabaseLocale.createClauses("icu:" + icuLocale)) }
        try await admin.execute(statement)
        return try embedded.url(database: name)
    }

    /// Stops the server and starts it again on the same port and socket. Clients lose their connections.
    public func restart(mode: ShutdownMode = .fast, downFor downtime: Duration = .zero) async throws {
        precondition(self !== TestPostgres.shared, "restart a TestPostgres of your own, not the shared one")
        _ = try await url()
        try await embedded.down(mode: mode)
        if downtime > .zero { try await Task.sleep(for: downtime) }
        _ = try await embedded.up()
    }

    /// Stops this server now (it is also stopped at process exit).
    public func stop(mode: ShutdownMode = .immediate) async throws {
        try await embedded.down(mode: mode)
    }

    private func adminConnection() async throws -> PostgresConnection {
        if let admin { return try await admin.value }
        let url = try await url()
        let task = Task { try await PostgresConnection.connect(url) }
        admin = task
        return try await task.value
    }

    /// A new empty directory `/tmp/tradu-test-XXXXXX` (mode 0755 so the `postgres` user can enter it when tests
    /// run as root), deleted at process exit.
    public static func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/tradu-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { buffer -> String in
            guard let result = mkdtemp(buffer.baseAddress!) else {
                fatalError("mkdtemp failed: \(String(cString: strerror(errno)))")
            }
            return String(cString: result)
        }
        chmod(path, 0o755)
        TestCleanup.register(nil, directory: path)
        return path
    }

    /// Stops `embedded` (if running) and deletes its files at process exit, then deletes `directory`.
    public static func removeAtExit(_ embedded: EmbeddedPostgres, directory: String? = nil) {
        TestCleanup.register(embedded, directory: directory)
    }
}
