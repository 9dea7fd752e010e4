import TraduPostgres

extension StoreError {
    /// The one place where PostgreSQL's errors become the store's: by what the caller can do about them.
    init(_ error: PostgresError) {
        if error.isConnectionLoss {
            self = .unavailable(error.description)
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
