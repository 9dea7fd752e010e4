import Foundation
import Logging
import TraduCore
import TraduStore

/// The apply sequence, once, for every command that applies (`apply`, `up`, and the coming `promote`):
/// compile the manifests, read the datasets (spooling new blocks' records), take the environment lock, plan
/// against the locked state, confirm, write one transaction, release the lock.
///
/// One connection for the whole sequence, and the stored content hashes are read once (again under the lock
/// only if another apply moved the environment meanwhile).
public struct ApplyUseCase: Sendable {
    public struct Request: Sendable {
        public var directory: String
        public var environment: String
        /// A plan saved by `tradu plan --out`: applied only if the locked plan is exactly it.
        public var saved: SavedPlan?
        /// Names the lock holder: `apply`, `up`, ...
        public var command: String
        public var lockTimeout: Duration
        public var options: ApplyService.Options
        /// Manifests compiled already (a promotion's freight, compiled for this environment) instead of the
        /// folder's; `directory` still locates the datasets.
        public var compiled: (resolved: ResolvedManifests, raw: RawManifests)?
        /// Set by a promotion: recorded with the revision.
        public var release: ReleaseContext?
        /// Checks the plan made under the lock before anything is written (a promotion checks the data it read
        /// against its freight's fingerprints, and the auto-promotion hold); throwing refuses the apply. It gets the
        /// store whose session holds the lock, so what it reads or sets there cannot change before the write.
        public var verify: (@Sendable (PreparedPlan, Store) async throws -> Void)?

        public init(
            directory: String, environment: String, saved: SavedPlan? = nil, command: String,
            lockTimeout: Duration = .seconds(30), options: ApplyService.Options,
            compiled: (resolved: ResolvedManifests, raw: RawManifests)? = nil, release: ReleaseContext? = nil,
            verify: (@Sendable (PreparedPlan, Store) async throws -> Void)? = nil
        ) {
            self.compiled = compiled
            self.release = release
            self.verify = verify
            self.directory = directory
            self.environment = environment
            self.saved = saved
            self.command = command
            self.lockTimeout = lockTimeout
            self.options = options
        }
    }

    public struct Outcome: Sendable {
        /// The plan computed under the lock.
        public var prepared: PreparedPlan
        /// The revision recorded; nil when there was nothing to apply.
        public var revision: AppliedRevision?
        /// Where the environment's rows are, for a run that follows (no second compile).
        public var target: EnvironmentTarget
    }

    public var planner: PlanService
    public var applier: ApplyService

    public init(planner: PlanService, applier: ApplyService) {
        self.planner = planner
        self.applier = applier
    }

    /// Runs the sequence. `confirm` sees the locked plan when it has changes, and returns whether to write it
    /// (false: rejected, nothing written).
    public func run(
        _ request: Request, progress: @escaping (String, Int) -> Void = { _, _ in },
        confirm: (PreparedPlan) async throws -> Bool
    ) async throws -> Outcome {
        let (compiled, raw) =
            try request.compiled
            ?? planner.compileProject(directory: request.directory, environment: request.environment)
        let resolved = compiled
        let url = try await planner.resolver.url(for: resolved.environment, logger: planner.logger)
        if request.release == nil, let promotion = resolved.environment.promotion, !promotion.allowDirectApply,
            !request.options.bypassPromotion
        {
            throw TraduError.rejected(
                "\(request.environment) takes changes through `tradu promote --to \(request.environment)` (from"
                    + " \(promotion.from)), not `tradu \(request.command)`; to apply directly anyway, pass"
                    + " --bypass-promotion -m REASON (recorded), or set promotion.allowDirectApply")
        }
        let target = EnvironmentTarget(environment: resolved.environment, url: url)
        return try await Store.withStore(
            url: url, schema: EnvironmentSchema(name: resolved.environment.schema), logger: planner.logger
        ) { store in
            let known = try await KnownContents.read(from: store)
            let spool = try BlockSpool(known: known.hashes)
            let resolved = try await planner.withCutters(resolved, store: store)
            let datasets = try await planner.readDatasets(
                resolved, spool: spool, erased: try await store.erasedDocuments(),
                kept: try await planner.keptBoundaries(resolved, store: store), progress: progress)
            return try await applier.withLock(store, command: request.command, timeout: request.lockTimeout) {
                var prepared = try await planner.plan(
                    resolved, datasets: datasets, directory: request.directory, store: store, spool: spool,
                    known: known, raw: raw)
                prepared.release = request.release
                if let saved = request.saved { try saved.check(against: prepared) }
                try await request.verify?(prepared, store)
                guard prepared.hasChanges else { return Outcome(prepared: prepared, revision: nil, target: target) }
                guard try await confirm(prepared) else { throw TraduError.rejected("apply cancelled: not approved") }
                let revision = try await applier.write(prepared, to: store, options: request.options)
                return Outcome(prepared: prepared, revision: revision, target: target)
            }
        }
    }
}
