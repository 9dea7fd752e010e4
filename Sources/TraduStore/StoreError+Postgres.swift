import TraduPostgres

extension StoreError {
    /// The one place where PostgreSQL's errors become the store's: by what the caller can do about them.
    ///
    /// | SQLSTATE | meaning | becomes |
    /// |---|---|---|
    /// | 08xxx, lost connection | connection exception | `unavailable`: wait, `recover()`, retry |
    /// | 53xxx | insufficient resources: disk full (53100), out of memory (53200), too many connections (53300) | `unavailable` |
    /// | 57xxx | operator intervention: admin or crash shutdown, cannot connect now, statement timeout (57014) | `unavailable` |
    /// | 58xxx | system error (I/O) | `unavailable` |
    /// | 25006 | read-only transaction: connected to a standby during a failover | `unavailable` |
    /// | 40001, 40P01 | serialization failure, deadlock | `conflict`: retry the whole operation |
    /// | 22xxx, 23xxx | data exception, integrity constraint | `refused`; a block's `data` error |
    /// | anything else | a defect | `refused`; a block's `logic` error |
    init(_ error: PostgresError) {
        let sqlClass = error.sqlState.map { String($0.prefix(2)) }
        if error.isConnectionLoss || ["53", "57", "58"].contains(sqlClass) || error.sqlState == "25006" {
            self = .unavailable(sqlState: error.sqlState, message: error.description)
        } else if error.isDeadlock || error.isSerializationFailure {
            self = .conflict(error.description)
        } else if error.kind == .decoding || error.kind == .protocol {
            self = .unexpectedData(error.description)
        } else {
            self = .refused(sqlState: error.sqlState, message: error.description)
        }
    }

    /// Runs `body`, turning a `PostgresError` into a `StoreError`; other errors pass unchanged.
    @discardableResult
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError {
            throw StoreError(error)
        }
    }
}
