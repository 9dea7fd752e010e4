import Foundation
import Logging
import TraduCore
import TraduStore

/// Where an environment's rows are, for commands that run or inspect it. The manifests say which schema
/// and database; a worker on a machine without manifests uses `tradu_<env>` on the given database.
public struct EnvironmentTarget: Sendable {
    public var environment: EnvironmentConfig
    public var url: String
    /// Whether `url` goes through a pooler in transaction mode (`TRADU_DATABASE_POOL_MODE=transaction`): the
    /// long-running processes then poll instead of listening for wake-ups.
    public var poolsTransactions: Bool

    public init(environment: EnvironmentConfig, url: String, poolsTransactions: Bool = false) {
        self.environment = environment
        self.url = url
        self.poolsTransactions = poolsTransactions
    }

    public static func resolve(directory: String, environment name: String, resolver: DatabaseResolver, logger: Logger)
        async throws -> EnvironmentTarget
    {
        var config = EnvironmentConfig.implicit(name)
        if FileManager.default.fileExists(atPath: directory) {
            let validation = ManifestValidation(directory: directory, environment: name)
            guard validation.isValid, let resolved = validation.compiled.environments[name] else {
                throw TraduError.invalidManifests(validation.diagnostics.filter { $0.severity == .error })
            }
            config = resolved.environment
        }
        return EnvironmentTarget(
            environment: config, url: try await resolver.url(for: config, logger: logger),
            poolsTransactions: resolver.poolsTransactions)
    }

    /// Opens a new connection to the environment's store (each loop of a process gets its own).
    public func storeFactory(logger: Logger) -> Worker.StoreFactory {
        let url = self.url
        let schema = environment.schema
        let wakeups = !poolsTransactions
        return {
            try await Store.open(url: url, schema: EnvironmentSchema(name: schema), logger: logger, wakeups: wakeups)
        }
    }
}
