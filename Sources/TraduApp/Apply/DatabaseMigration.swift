import Logging
import TraduCore
import TraduStore

/// `tradu db migrate`: brings each environment's schema to the version this build knows.
public struct DatabaseMigration: Sendable {
    public struct Outcome: Sendable {
        public var environment: String
        public var schema: String
        public var applied: [Migration]
        public var version: Int
    }

    public var resolver: DatabaseResolver
    public var logger: Logger

    public init(resolver: DatabaseResolver, logger: Logger) {
        self.resolver = resolver
        self.logger = logger
    }

    public func migrate(_ environments: [EnvironmentConfig]) async throws -> [Outcome] {
        // Resolve every database first: an unset reference fails the command before anything is written.
        var targets: [(EnvironmentConfig, String, EnvironmentSchema)] = []
        for environment in environments {
            let url = try await resolver.url(for: environment, logger: logger)
            targets.append((environment, url, try EnvironmentSchema(name: environment.schema)))
        }
        var outcomes: [Outcome] = []
        for (environment, url, schema) in targets {
            let applied = try await Store.migrate(url: url, schema: schema, logger: logger)
            outcomes.append(
                Outcome(
                    environment: environment.name, schema: schema.name, applied: applied,
                    version: StoreMigrations.latestVersion))
        }
        return outcomes
    }
}
