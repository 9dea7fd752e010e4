import Foundation
import Logging
import TraduCore
import TraduEmbeddedPostgres

/// Decides which PostgreSQL an environment's rows live in, in this order:
/// 1. `--database-url` given on the command line;
/// 2. the Environment's own `databaseFrom: {env: NAME}`: the variable must be set (an unset reference is an
///    error, never a silent fallback to another database);
/// 3. `TRADU_DATABASE_URL`;
/// 4. the embedded PostgreSQL under `--home`, started on demand.
public struct DatabaseResolver: Sendable {
    public var explicitURL: String?
    public var home: String
    /// The process environment, read once at start-up (`setenv` is not thread-safe).
    public var environmentVariables: [String: String]

    public init(explicitURL: String?, home: String?, environmentVariables: [String: String]) {
        self.explicitURL = explicitURL ?? environmentVariables["TRADU_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        self.home = home ?? environmentVariables["TRADU_HOME"] ?? EmbeddedPostgres.defaultHome
        self.environmentVariables = environmentVariables
    }

    /// Whether the URLs go through a pooler in transaction mode (PgBouncer's `pool_mode = transaction`), declared
    /// with `TRADU_DATABASE_POOL_MODE=transaction`. Statements are safe either way (every transaction sets its
    /// own schema); only the wake-ups change: `LISTEN` cannot pass through such a pooler, so processes poll.
    public var poolsTransactions: Bool { environmentVariables["TRADU_DATABASE_POOL_MODE"] == "transaction" }

    /// Whether no URL was given, so the embedded server is the database.
    public var usesEmbedded: Bool { explicitURL == nil }

    func embedded(logger: Logger) -> EmbeddedPostgres { EmbeddedPostgres(home: home, logger: logger) }

    /// The URL for `environment`, starting the embedded server when it is the one to use.
    public func url(for environment: EnvironmentConfig?, logger: Logger) async throws -> String {
        if let mode = environmentVariables["TRADU_DATABASE_POOL_MODE"], !["", "session", "transaction"].contains(mode) {
            throw TraduError.configuration(
                "TRADU_DATABASE_POOL_MODE is '\(mode)': use 'transaction' (behind PgBouncer's pool_mode = transaction)"
                    + " or 'session'")
        }
        if let reference = environment?.database, let name = environment?.name {
            guard let url = environmentVariables[reference.environmentVariable], !url.isEmpty else {
                throw TraduError.configuration(
                    "environment '\(name)' keeps its rows in its own database, whose URL is read from"
                        + " $\(reference.environmentVariable), which is not set")
            }
            return url
        }
        if let explicitURL { return explicitURL }
        return try await embedded(logger: logger).up()
    }
}
