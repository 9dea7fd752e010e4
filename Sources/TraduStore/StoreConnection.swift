import Logging
import TraduPostgres

/// The store's connection: `PostgresConnection`'s calls, with its errors turned into `StoreError`s on the way
/// out. Internal to TraduStore, so no caller of `Store` ever sees a connection or a `PostgresError`.
struct StoreConnection: Sendable {
    let postgres: PostgresConnection

    var logger: Logger { postgres.logger }

    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresRows {
        try await StoreError.mapping { try await postgres.query(sql, parameters) }
    }

    @discardableResult
    func query(_ sql: String, binding parameters: [PostgresParameter]) async throws -> PostgresRows {
        try await StoreError.mapping { try await postgres.query(sql, binding: parameters) }
    }

    func execute(_ sql: String) async throws {
        try await StoreError.mapping { try await postgres.execute(sql) }
    }

    /// Runs `body` between BEGIN and COMMIT on the connection's thread (see `PostgresConnection.transaction`).
    @discardableResult
    func transaction<T: Sendable>(
        isolation: PostgresIsolationLevel = .readCommitted, settings: [PostgresSetting] = [],
        _ body: @Sendable (isolated PostgresConnection) throws -> T
    ) async throws -> T {
        try await StoreError.mapping { try await postgres.transaction(isolation: isolation, settings: settings, body) }
    }

    func notify(_ channel: String) async throws {
        try await StoreError.mapping { try await postgres.notify(channel) }
    }

    func listen(_ channel: String) async throws {
        try await StoreError.mapping { try await postgres.listen(channel) }
    }

    func waitForNotifications(timeout: Duration) async throws -> [PostgresNotification] {
        try await StoreError.mapping { try await postgres.waitForNotifications(timeout: timeout) }
    }

    func reconnectIfNeeded() async throws {
        try await StoreError.mapping { try await postgres.reconnectIfNeeded() }
    }

    func setForEveryTransaction(_ name: String, to value: String) async throws {
        try await StoreError.mapping { try await postgres.setForEveryTransaction(name, to: value) }
    }

    func close() async {
        await postgres.close()
    }
}
