import Logging
import TraduCore
import TraduStore

/// Auto-promotion (`promotion.auto: true`): the target's leading controller promotes the source's latest freight
/// as soon as every gate passes, recorded like a manual promotion (`automatic`, by the controller's identity).
///
/// It reads the source through the source's own location (its schema in the same database, or its
/// `databaseFrom`) and writes only to the target. It checks with a dry run first, so a freight that waits for
/// its gates leaves no `Refused` record every interval, and it stands aside while a person's rollback holds it.
public struct AutoPromotion: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The environment's manifests do not turn auto-promotion on.
        case off
        /// A manual rollback set a hold (`tradu promote --resume-auto` lifts it).
        case held(by: String, freight: String)
        /// The target already runs the source's latest freight.
        case upToDate
        /// A check refuses, for now; the reasons.
        case waiting([String])
        /// Promoted: the target's new revision (nil when nothing needed writing).
        case promoted(revision: Int64?)
    }

    public var useCase: PromoteUseCase
    /// Where the manifests locate the databases and the datasets are read (the controller's `-f`).
    public var directory: String
    public var target: String
    /// Time between two attempts.
    public var interval: Duration

    public init(useCase: PromoteUseCase, directory: String, target: String, interval: Duration = .seconds(30)) {
        self.useCase = useCase
        self.directory = directory
        self.target = target
        self.interval = interval
    }

    /// One attempt, as `actor`.
    public func attempt(actor: String) async throws -> Outcome {
        let validation = ManifestValidation(directory: directory, environment: target)
        guard let resolved = validation.compiled.environments[target], resolved.environment.promotion?.auto == true
        else { return .off }
        let logger = useCase.logger
        let resolver = useCase.planner.resolver
        let location = EnvironmentTarget(
            environment: resolved.environment, url: try await resolver.url(for: resolved.environment, logger: logger))
        let (hold, running) = try await Store.withStore(
            url: location.url, schema: try EnvironmentSchema(name: location.environment.schema), logger: logger
        ) { store in (try await store.autoPromotionHold(), try await store.latestRevision()?.freight?.id) }
        if let hold { return .held(by: hold.by, freight: hold.freightID) }
        // Already running the source's latest freight: nothing to evaluate, so no dataset is read every interval.
        if let source = resolved.environment.promotion?.from, let running {
            let sourceLocation = try await EnvironmentTarget.resolve(
                directory: directory, environment: source, resolver: resolver, logger: logger)
            let latest = try await Store.withStore(
                url: sourceLocation.url, schema: try EnvironmentSchema(name: sourceLocation.environment.schema),
                logger: logger
            ) { try await $0.latestRevision()?.freight?.id }
            if latest == running { return .upToDate }
        }
        var request = PromoteUseCase.Request(
            directory: directory, target: target, dryRun: true, lockTimeout: .zero,
            message: "auto-promotion", actor: actor, automatic: true)
        switch try await useCase.run(request) {
        case .refused(_, let reasons, _): return .waiting(reasons)
        case .dryRun(let evaluation) where !evaluation.preview.hasChanges: return .upToDate
        case .dryRun, .promoted: break
        }
        request.dryRun = false
        switch try await useCase.run(request) {
        case .promoted(_, let revision, _): return .promoted(revision: revision?.number)
        case .refused(_, let reasons, _): return .waiting(reasons)
        case .dryRun: return .upToDate
        }
    }
}
