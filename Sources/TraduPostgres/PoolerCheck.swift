/// Whether a connection's session is the server's own, or one that a pooler lends it.
///
/// Why: a session that a pooler in transaction mode (PgBouncer) lends hands each transaction to any of its server
/// sessions, so a statement prepared in one is missing from the next, or was prepared by another client. A pooler
/// answers the connection's startup with a process id of its own (PgBouncer: a random cancel key), which the
/// server's `pg_backend_pid()` then contradicts. A direct connection reports the server's.
enum PoolerCheck {
    /// True when the process id the startup reported (`PQbackendPID`) is the server's (`pg_backend_pid()`).
    static func ownsSession(reportedPID: Int32, serverPID: Int32?) -> Bool {
        guard let serverPID, serverPID > 0 else { return false }
        return reportedPID == serverPID
    }
}
