/// Isolation levels for `PostgresConnection.transaction(isolation:_:)`.
public enum PostgresIsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT; rolls back and rethrows if it throws.
    ///
    /// `body` is synchronous and runs on the connection's thread, so no other caller's statement can slip into
    /// the transaction and no transaction stays open across an `await`. Nested calls use savepoints.
    /// If a statement failed inside `body` and `body` swallowed the error, COMMIT would silently roll back:
    /// this throws instead.
    ///
    /// `settings` hold for this transaction only (`SET LOCAL`, sent with BEGIN: no extra round trip), after the
    /// connection's own (`setForEveryTransaction`). A nested call runs inside its outer transaction's settings and
    /// may not give its own.
    @discardableResult
    public func transaction<T: Sendable>(
        isolation: PostgresIsolationLevel = .readCommitted, settings: [PostgresSetting] = [],
        _ body: @Sendable (isolated PostgresConnection) throws -> T
    ) throws -> T {
        let depth = transactionDepth
        let savepoint = "tradu_savepoint_\(depth)"
        if depth == 0 {
            try executeAlone(try beginStatement(isolation, settings: settings))
        } else if !settings.isEmpty {
            throw PostgresError(kind: .misuse, message: "a nested transaction cannot take settings of its own")
        } else {
            try execute("SAVEPOINT \(savepoint)")
        }
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let value: T
        do {
            value = try body(self)
        } catch {
            if isConnected {
                do {
                    try execute(depth == 0 ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT \(savepoint)")
                } catch let rollbackError {
                    logger.warning("rollback failed: \(rollbackError)")
                }
            }
            throw error
        }
        if depth > 0 {
            try execute("RELEASE SAVEPOINT \(savepoint)")
            return value
        }
        let tag = try query("COMMIT").commandTag
        if tag == "ROLLBACK" {
            throw PostgresError(
                kind: .query, sqlState: "25P02",
                message: "transaction was aborted by an earlier error and has been rolled back")
        }
        return value
    }
}
