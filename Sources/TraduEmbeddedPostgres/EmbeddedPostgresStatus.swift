/// What `EmbeddedPostgres.status()` reports.
public struct EmbeddedPostgresStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case notInitialised
        case stopped
        case running(pid: Int32)
    }

    public var state: State
    public var home: String
    /// nil while not initialised.
    public var dataDirectory: String?
    public var socketDirectory: String?
    public var port: Int?
    public var logFile: String?
    /// The connection URL, once initialised (valid while running).
    public var url: String?

    public var isRunning: Bool {
        if case .running = state { return true }
        return false
    }
}

/// How `pg_ctl stop` shuts the server down.
public enum ShutdownMode: String, Sendable {
    /// Wait for clients to disconnect.
    case smart
    /// Disconnect clients, checkpoint, stop (the default).
    case fast
    /// Stop at once without a checkpoint; crash recovery runs at next start. For tests and emergencies.
    case immediate
}
