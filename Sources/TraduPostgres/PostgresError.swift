/// An error from PostgreSQL or from the client library, with the server's structured fields when there are any.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Could not connect, or the connection was lost. The next call on the connection tries to reconnect.
        case connection
        /// The server rejected a statement; `sqlState` says why.
        case query
        /// The server or libpq answered something this client did not expect.
        case `protocol`
        /// A value could not be converted to the requested Swift type.
        case decoding
        /// The API was used wrongly (closed connection, NUL byte in a parameter, not a COPY statement).
        case misuse
    }

    public var kind: Kind
    /// The five-character SQLSTATE code, when the server sent one.
    public var sqlState: String?
    /// The primary message, one line.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The violated constraint's name, for integrity errors.
    public var constraint: String?
    /// The 1-based character position in the statement the error refers to.
    public var position: Int?

    public init(
        kind: Kind, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, position: Int? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.position = position
    }

    public var description: String {
        var text = "PostgreSQL \(kind.rawValue) error"
        if let sqlState { text += " \(sqlState)" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }

    // MARK: Classification

    /// The connection is gone (network, server restart, backend terminated). Safe to retry after reconnecting,
    /// but whether the last statement committed is unknown.
    public var isConnectionLoss: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        // Class 08: connection exception; 57P01-57P03: admin/crash shutdown, cannot connect now.
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// 40001: the transaction lost a serialization race and should be retried from the start.
    public var isSerializationFailure: Bool { sqlState == "40001" }
    /// 40P01: the transaction was chosen as a deadlock victim and should be retried from the start.
    public var isDeadlock: Bool { sqlState == "40P01" }
    /// 23505
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// 23503
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// 55P03: `NOWAIT` or `lock_timeout` could not get a lock.
    public var isLockNotAvailable: Bool { sqlState == "55P03" }
    /// 57014: cancelled, or `statement_timeout` fired.
    public var isQueryCanceled: Bool { sqlState == "57014" }
    /// 42601
    public var isSyntaxError: Bool { sqlState == "42601" }

    /// Worth retrying the whole transaction: lost connection, serialization failure or deadlock.
    public var isTransient: Bool { isConnectionLoss || isSerializationFailure || isDeadlock }
}
