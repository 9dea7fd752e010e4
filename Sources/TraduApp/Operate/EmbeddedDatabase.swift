import Logging
import TraduCore
import TraduEmbeddedPostgres

/// `tradu db up|down|status|url`: the embedded PostgreSQL under `--home`, as the command line sees it.
public struct EmbeddedDatabase: Sendable {
    let server: EmbeddedPostgres

    /// Initialises (the first time) and starts the server; returns its URL.
    public func up() async throws -> String { try await server.up() }

    /// Stops the server; false when it was not running.
    public func down() async throws -> Bool { try await server.down() }

    public func url() throws -> String { try server.url() }

    /// Whether it runs, where, and on which port, as text or JSON.
    public func status() throws -> Status { Status(try server.status()) }

    public struct Status: Sendable {
        let status: EmbeddedPostgresStatus

        init(_ status: EmbeddedPostgresStatus) { self.status = status }

        private var state: String {
            switch status.state {
            case .notInitialised: "not initialised"
            case .stopped: "stopped"
            case .running(let pid): "running (pid \(pid))"
            }
        }

        public var text: String {
            var lines = ["embedded PostgreSQL: \(state)", "  home:    \(status.home)"]
            if let data = status.dataDirectory { lines.append("  data:    \(data)") }
            if let socket = status.socketDirectory { lines.append("  socket:  \(socket)") }
            if let port = status.port { lines.append("  port:    \(port)") }
            if let url = status.url { lines.append("  url:     \(url)") }
            return lines.joined(separator: "\n")
        }

        public var json: JSONValue {
            var members: [(String, JSONValue)] = [
                ("formatVersion", .int(1)), ("state", .string(state)), ("running", .bool(status.isRunning)),
                ("home", .string(status.home)),
            ]
            if let data = status.dataDirectory { members.append(("dataDirectory", .string(data))) }
            if let socket = status.socketDirectory { members.append(("socketDirectory", .string(socket))) }
            if let port = status.port { members.append(("port", .int(port))) }
            if let url = status.url { members.append(("url", .string(url))) }
            return .object(members)
        }
    }
}

extension DatabaseResolver {
    /// The embedded PostgreSQL under `home`.
    public func embeddedDatabase(logger: Logger) -> EmbeddedDatabase {
        EmbeddedDatabase(server: embedded(logger: logger))
    }
}
