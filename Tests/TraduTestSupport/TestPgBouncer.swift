import Foundation
import TraduEmbeddedPostgres

/// A real PgBouncer (Debian's `pgbouncer`) in transaction mode in front of a test PostgreSQL, listening on
/// 127.0.0.1 on a free port. As root it switches to the `postgres` user (`-u`: PgBouncer refuses to run as root).
///
/// `poolSize` server connections per database and user: a small pool makes every client share the same few
/// server sessions, which is the point of the tests that use it.
public final class TestPgBouncer: @unchecked Sendable {
    public let port: Int
    public let directory: String
    private let process = Process()

    /// Starts PgBouncer in front of the server `serverURL` points at (an `EmbeddedPostgres` URL: socket
    /// directory and port in its query) and waits until it accepts connections.
    public init(serverURL: String, poolSize: Int = 2) async throws {
        guard let components = URLComponents(string: serverURL),
            let host = components.queryItems?.first(where: { $0.name == "host" })?.value,
            let serverPort = components.queryItems?.first(where: { $0.name == "port" })?.value,
            let user = components.user
        else { throw TestPgBouncerError.failed("cannot read host, port and user from \(serverURL)") }
        directory = TestPostgres.makeTemporaryDirectory()
        port = try EmbeddedPostgres.freePort()
        let configuration = """
            [databases]
            * = host=\(host) port=\(serverPort)

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir =
            auth_type = trust
            auth_file = \(directory)/users.txt
            pool_mode = transaction
            default_pool_size = \(poolSize)
            min_pool_size = 0
            reserve_pool_size = 0
            max_client_conn = 500
            server_reset_query =
            ignore_startup_parameters = extra_float_digits
            admin_users = \(user)
            log_connections = 0
            log_disconnections = 0

            """
        try configuration.write(toFile: "\(directory)/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"\(user)\" \"\"\n".write(toFile: "\(directory)/users.txt", atomically: true, encoding: .utf8)
        let log = "\(directory)/pgbouncer.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)!
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/pgbouncer")
        process.arguments = (getuid() == 0 ? ["-u", "postgres"] : []) + ["\(directory)/pgbouncer.ini"]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while !Self.accepts(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                stop()
                throw TestPgBouncerError.failed("PgBouncer did not start:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The URL of `database` through this PgBouncer, for `user`.
    public func url(database: String, user: String = "tradu") -> String {
        "postgresql://\(user)@127.0.0.1:\(port)/\(database)"
    }

    /// Stops PgBouncer (SIGKILL: the test process's blocked signals are inherited, so a SIGTERM could stay
    /// pending) and waits for it.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    private static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

public enum TestPgBouncerError: Error, CustomStringConvertible {
    case failed(String)

    public var description: String {
        switch self {
        case .failed(let message): message
        }
    }
}
