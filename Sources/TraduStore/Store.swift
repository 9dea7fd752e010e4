import Logging
import TraduPostgres

/// An open tradu store: a connection whose `search_path` is the environment's schema, migrated to the
/// version this build knows.
public struct Store: Sendable {
    public let connection: PostgresConnection
    public let schema: EnvironmentSchema

    /// Connects to `url`, migrates the schema of `environment` (`tradu_<environment>`), and sets `search_path`
    /// to it (again after every reconnect).
    public static func open(
        url: String, environment: String, migrations: [Migration] = StoreMigrations.all,
        logger: Logger = Logger(label: "tradu.store")
    ) async throws -> Store {
        try await open(
            url: url, schema: EnvironmentSchema(environment: environment), migrations: migrations, logger: logger)
    }

    public static func open(
        url: String, schema: EnvironmentSchema, migrations: [Migration] = StoreMigrations.all,
        logger: Logger = Logger(label: "tradu.store")
    ) async throws -> Store {
        let connection = try await PostgresConnection.connect(url, logger: logger)
        try await Migrator(connection: connection, migrations: migrations, logger: logger)
            .migrate(environmentSchema: schema)
        try await connection.addSessionSetup("SET search_path TO \(schema.quoted)")
        return Store(connection: connection, schema: schema)
    }

    public func close() async {
        await connection.close()
    }
}
