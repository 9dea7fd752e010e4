import TraduCore

/// Errors from the store: the only errors callers of `Store` see (never a `PostgresError`).
///
/// Classified by what the caller can do: `unavailable` and `conflict` pass if the caller waits, calls
/// `Store.recover()` and tries again (`isTransient`); the others do not.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot serve now: the connection was lost (class 08), the server is restarting, shutting
    /// down, refusing connections or cancelled the statement on a timeout (57), it is out of disk, memory or
    /// connection slots (53), or the operating system failed it (58). Whether the last statement committed is
    /// unknown; every runtime write is fenced, so retrying after `Store.recover()` is safe.
    case unavailable(sqlState: String?, message: String)
    /// PostgreSQL aborted the transaction in a conflict with another one (deadlock, serialization failure),
    /// after the store's own retries: try the whole operation again.
    case conflict(String)
    /// The database refused a statement: a constraint, a value it cannot store, a schema it does not have.
    /// Retrying does not help. `message` is the server's, with its SQLSTATE.
    case refused(sqlState: String?, message: String)
    /// A row is not what this build expects (a NULL in a NOT NULL column, a missing singleton row): the schema
    /// was changed behind tradu's back.
    case unexpectedData(String)
    case invalidEnvironmentName(String, reason: String)
    case invalidSchemaName(String, reason: String)
    /// The schema has migrations this build does not know: a newer tradu migrated it. Refuse rather than run
    /// old code against a newer schema.
    case databaseNewerThanCode(schema: String, unknownVersions: [Int], newestKnownVersion: Int)
    /// Someone else holds the environment lock and did not release it (nor let it expire) within the wait.
    /// `acquiredAt` is RFC 3339 UTC.
    case lockHeld(holder: String, host: String, pid: Int32, acquiredAt: String)
    /// The environment changed since the plan was made (Terraform's stale plan): re-plan.
    case staleSerial(current: Int64, expected: Int64)
    /// The plan was made for another incarnation of this environment (it was dropped and recreated).
    case lineageMismatch(current: String, expected: String)
    /// A block to add already exists and is not cancelled: the plan does not match the environment.
    case blockAlreadyActive(id: String, state: String)

    public var description: String {
        switch self {
        case .unavailable(_, let message):
            return "the database is unavailable: \(message)"
        case .conflict(let message):
            return "the database aborted the transaction in a conflict: \(message)"
        case .refused(_, let message):
            return message
        case .unexpectedData(let message):
            return "unexpected data in the database: \(message)"
        case .invalidEnvironmentName(let name, let reason):
            return "invalid environment name \"\(name)\": \(reason)"
        case .invalidSchemaName(let name, let reason):
            return "invalid schema name \"\(name)\": \(reason)"
        case .databaseNewerThanCode(let schema, let unknown, let newest):
            let versions = unknown.map(String.init).joined(separator: ", ")
            return "schema \(schema) has migration(s) \(versions) that this tradu does not know (it knows up to "
                + "\(newest)); upgrade tradu"
        case .lockHeld(let holder, let host, let pid, let acquiredAt):
            return "environment lock is held by \(holder) (host \(host), pid \(pid)) since \(acquiredAt)"
        case .staleSerial(let current, let expected):
            return "the plan is stale: it was made at serial \(expected) but the environment is at serial "
                + "\(current); plan again"
        case .lineageMismatch(let current, let expected):
            return "the plan was made for environment lineage \(expected) but the environment's lineage is "
                + "\(current) (it was recreated); plan again"
        case .blockAlreadyActive(let id, let state):
            return "block \(id) is to be added but already exists in state \(state); plan again"
        }
    }

    /// The SQLSTATE the database answered with, when it answered with one.
    public var sqlState: String? {
        switch self {
        case .unavailable(let sqlState, _), .refused(let sqlState, _): sqlState
        default: nil
        }
    }

    /// How a block whose outcome met this error is classified: the database's trouble is `infrastructure`
    /// (and is waited out, never charged to the block); a value the block brought that the database cannot
    /// store (class 22, data exception; class 23, a constraint the block's row violates) is `data`; anything
    /// else is a defect, `logic`.
    public var blockErrorClass: ErrorClass {
        if isTransient { return .infrastructure }
        guard case .refused(let sqlState?, _) = self else { return .logic }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") ? .data : .logic
    }

    /// A short label for metrics: the SQLSTATE class (`53`, `08`, ...), or the kind of trouble without one.
    public var metricClass: String {
        if let sqlState, sqlState.count >= 2 { return String(sqlState.prefix(2)) }
        switch self {
        case .unavailable: return "connection"
        case .conflict: return "40"
        case .unexpectedData: return "data"
        default: return "other"
        }
    }

    /// Worth waiting for and trying again (after `Store.recover()`): the database's trouble, not the request's.
    public var isTransient: Bool {
        switch self {
        case .unavailable, .conflict: return true
        default: return false
        }
    }

    /// The command was refused rather than failed (CLI exit code 3): the lock is held or the plan is stale.
    public var isRejection: Bool {
        switch self {
        case .lockHeld, .staleSerial, .lineageMismatch, .blockAlreadyActive: return true
        default: return false
        }
    }
}
