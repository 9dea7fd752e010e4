/// Why the embedded PostgreSQL could not be set up, started or stopped. Each message says what to do.
public enum EmbeddedPostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// initdb/pg_ctl/postgres were not found in any searched directory.
    case binariesNotFound(searched: [String])
    /// `url()`/`down()` on a home where `up()` never ran.
    case notInitialised(home: String)
    /// Another server already owns the socket for this port (`pid` when known).
    case portInUse(port: Int, socketDirectory: String, pid: Int32?)
    /// The server did not come up; `logTail` is the end of its log file.
    case startupFailed(reason: String, logTail: String)
    /// A helper program failed.
    case commandFailed(command: String, status: Int32, output: String)
    /// Running as root needs an unprivileged account for the server.
    case serviceUserMissing(user: String)
    /// The data directory was created by a different major version than the binaries found.
    case versionMismatch(dataDirectory: String, dataVersion: String, binaryVersion: String)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .binariesNotFound(let searched):
            return "PostgreSQL server programs (initdb, pg_ctl, postgres) not found in "
                + "\(searched.joined(separator: ", ")); install PostgreSQL: apt-get install postgresql "
                + "(or pass --database-url to use an existing server)"
        case .notInitialised(let home):
            return "the embedded PostgreSQL under \(home) is not initialised; run `tradu db up` first"
        case .portInUse(let port, let socketDirectory, let pid):
            let owner = pid.map { " (process \($0))" } ?? ""
            return "another PostgreSQL server\(owner) already uses port \(port) in \(socketDirectory); "
                + "stop it or choose another port"
        case .startupFailed(let reason, let logTail):
            return "PostgreSQL did not start: \(reason)"
                + (logTail.isEmpty ? "" : "\nserver log (last lines):\n\(logTail)")
        case .commandFailed(let command, let status, let output):
            return "\(command) failed (exit status \(status))" + (output.isEmpty ? "" : ":\n\(output)")
        case .serviceUserMissing(let user):
            return "running as root, but there is no '\(user)' user to run PostgreSQL as "
                + "(initdb and postgres refuse to run as root); install PostgreSQL: apt-get install postgresql"
        case .versionMismatch(let dataDirectory, let dataVersion, let binaryVersion):
            return "\(dataDirectory) was created by PostgreSQL \(dataVersion) but the programs found are version "
                + "\(binaryVersion); install PostgreSQL \(dataVersion) or remove the data directory"
        case .invalidConfiguration(let message):
            return message
        }
    }
}
