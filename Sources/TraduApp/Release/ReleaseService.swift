import Logging
import TraduCore
import TraduStore

/// Approvals, rejections and promotion records: the release decisions people make around `tradu promote`.
/// Every one is recorded with who made it (`Actor`) and why.
public struct ReleaseService: Sendable {
    /// What `tradu reject` and `tradu unreject` record.
    public enum Verdict: Sendable {
        case reject, unreject
    }

    public var directory: String
    public var resolver: DatabaseResolver
    public var logger: Logger

    public init(directory: String, resolver: DatabaseResolver, logger: Logger) {
        self.directory = directory
        self.resolver = resolver
        self.logger = logger
    }

    /// What an approval names: a freight, or the source's revision that ran it.
    public enum Subject: Sendable {
        case freight(String)
        case sourceRevision(Int64)
    }

    /// Records an approval for promotions into `environment`. The freight must be known to the environment it is
    /// promoted from (a mistyped id is an error, not an approval of nothing). Returns the freight approved.
    @discardableResult
    public func approve(environment: String, _ subject: Subject, message: String, by actor: String) async throws
        -> String
    {
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: environment, resolver: resolver, logger: logger)
        var freight: String?
        if case .freight(let id) = subject { freight = id }
        if let source = try await sourceOf(environment) {
            let name = source.environment.name
            freight = try await withStore(source) { store in
                switch subject {
                case .freight(let id):
                    guard !(try await store.revisions(freight: id)).isEmpty else {
                        throw TraduError.notFound(
                            "\(name) never ran freight \(id): nothing to approve for \(environment)")
                    }
                    return id
                case .sourceRevision(let number):
                    guard let revision = try await store.revision(number), let id = revision.freight?.id else {
                        throw TraduError.notFound(
                            "\(name) has no revision \(number) with a freight: nothing to approve for \(environment)")
                    }
                    return id
                }
            }
        }
        guard let freight else {
            throw TraduError.rejected(
                "environment '\(environment)' has no promotion block: approve a freight by --freight ID")
        }
        try await withStore(target) {
            try await $0.recordVerdict(freight: freight, .approved, by: actor, message: message)
        }
        return freight
    }

    /// Marks `freight` rejected (or, with `unreject`, withdraws that) in every given environment: no environment
    /// that holds the rejection accepts the freight. Every location is resolved before anything is written.
    /// Returns the environments written to.
    public func judge(
        freight: String, _ verdict: Verdict, message: String, by actor: String, environments: [String]
    ) async throws -> [String] {
        let kind: FreightVerdict.Kind = verdict == .reject ? .rejected : .unrejected
        var names = environments
        if names.isEmpty {
            let validation = ManifestValidation(directory: directory, environment: nil)
            guard validation.isValid else {
                throw TraduError.invalidManifests(validation.diagnostics.filter { $0.severity == .error })
            }
            names = validation.compiled.environments.keys.sorted()
        }
        var targets: [EnvironmentTarget] = []
        for name in names {
            targets.append(
                try await EnvironmentTarget.resolve(
                    directory: directory, environment: name, resolver: resolver, logger: logger))
        }
        for target in targets {
            try await withStore(target) {
                try await $0.recordVerdict(freight: freight, kind, by: actor, message: message)
            }
        }
        return names
    }

    /// Promotion records of `environment`, newest first.
    public func promotions(environment: String, limit: Int) async throws -> [PromotionRecord] {
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: environment, resolver: resolver, logger: logger)
        return try await withStore(target) { try await $0.promotions(limit: limit) }
    }

    /// Lifts the auto-promotion hold of `environment`.
    public func resumeAutoPromotion(environment: String, by actor: String) async throws -> AutoPromotionHold? {
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: environment, resolver: resolver, logger: logger)
        return try await withStore(target) { store in
            let hold = try await store.autoPromotionHold()
            try await store.setAutoPromotionHold(freight: nil, by: actor)
            return hold
        }
    }

    private func sourceOf(_ environment: String) async throws -> EnvironmentTarget? {
        let validation = ManifestValidation(directory: directory, environment: environment)
        guard let from = validation.compiled.environments[environment]?.environment.promotion?.from else { return nil }
        return try await EnvironmentTarget.resolve(
            directory: directory, environment: from, resolver: resolver, logger: logger)
    }

    private func withStore<T: Sendable>(_ target: EnvironmentTarget, _ body: (Store) async throws -> T) async throws
        -> T
    {
        try await Store.withStore(
            url: target.url, schema: try EnvironmentSchema(name: target.environment.schema), logger: logger, body)
    }
}
