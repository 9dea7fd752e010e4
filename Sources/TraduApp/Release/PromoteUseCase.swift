import Foundation
import Logging
import TraduCore
import TraduStore

/// `tradu promote`: evaluates a freight against the target's gates and applies it to the target, compiled with
/// the target's own overrides, in one transaction under the target's lock (DESIGN §3c).
///
/// The freight comes from the source's database, never from the files in the folder: the folder only locates
/// the databases and the data, and the data must still match the freight's fingerprints. Every check is made,
/// and reported, before anything is written; a refusal writes only its own promotion record.
public struct PromoteUseCase: Sendable {
    public struct Request: Sendable {
        /// Where the databases are declared and the datasets are read from.
        public var directory: String
        public var target: String
        /// nil: the target's `promotion.from`.
        public var source: String?
        /// The source's revision; nil: its latest (or the one that ran `freight`).
        public var sourceRevision: Int64?
        public var freight: String?
        /// Go back to a freight the target ran before: no source, no source gates.
        public var rollback: Bool
        public var dryRun: Bool
        public var lockTimeout: Duration
        public var message: String?
        public var actor: String
        /// Started by the target's leading controller, not a person.
        public var automatic: Bool

        public init(
            directory: String, target: String, source: String? = nil, sourceRevision: Int64? = nil,
            freight: String? = nil, rollback: Bool = false, dryRun: Bool = false, lockTimeout: Duration = .seconds(30),
            message: String? = nil, actor: String = Actor.current, automatic: Bool = false
        ) {
            self.directory = directory
            self.target = target
            self.source = source
            self.sourceRevision = sourceRevision
            self.freight = freight
            self.rollback = rollback
            self.dryRun = dryRun
            self.lockTimeout = lockTimeout
            self.message = message
            self.actor = actor
            self.automatic = automatic
        }
    }

    /// What the checks found, before anything is written.
    public struct Evaluation: Sendable {
        public var target: String
        public var source: String?
        public var sourceRevision: Int64?
        public var freight: Freight
        public var freightID: String
        public var checks: PromotionChecks
        /// The target's plan for the freight, as it stands now.
        public var preview: PreparedPlan
        public var rollback: Bool

        public var allowances: [ProcessingParity.Difference] { checks.parity.filter(\.allowed) }
    }

    public enum Outcome: Sendable {
        /// A check failed: only the `Refused` record was written (nothing at all for a dry run).
        case refused(Evaluation, reasons: [String], promotion: Int64?)
        /// `--dry-run`, every check passed.
        case dryRun(Evaluation)
        /// Applied; `revision` is nil when the target already ran exactly this.
        case promoted(Evaluation, revision: AppliedRevision?, promotion: Int64)
    }

    public var planner: PlanService
    public var applier: ApplyService

    public init(planner: PlanService, applier: ApplyService) {
        self.planner = planner
        self.applier = applier
    }

    var logger: Logger { planner.logger }

    /// Evaluates, then (unless refused or a dry run) asks `confirm` with everything it found and applies.
    public func run(
        _ request: Request, progress: @escaping (String, Int) -> Void = { _, _ in },
        confirm: (Evaluation) async throws -> Bool = { _ in true }
    ) async throws -> Outcome {
        let targetLocation = try await EnvironmentTarget.resolve(
            directory: request.directory, environment: request.target, resolver: planner.resolver, logger: logger)
        let found = try await request.rollback ? findRollback(request, at: targetLocation) : findFreight(request)
        let raw = try RawManifests.parse(found.record.rawManifests, name: "the freight's raw manifests")
        let freight = Freight(
            manifestDigest: found.record.rawDigest,
            datasetFingerprints: try Self.fingerprints(found.record.datasetFingerprints), gitCommit: found.gitCommit)
        let resolvedTarget = try planner.compile(raw, directory: request.directory, environment: request.target)
        var checks = PromotionChecks(freightID: found.record.id)
        checks.freightCommit = found.gitCommit
        if let source = found.source {
            try evaluateSourceChecks(
                &checks, request: request, source: source, raw: raw, target: resolvedTarget, freight: freight)
        }

        let schema = try EnvironmentSchema(name: targetLocation.environment.schema)
        // The datasets as the apply will cut them in the target: its cutter versions and the cut it keeps.
        let (cutTarget, erased, kept) = try await Store.withStore(
            url: targetLocation.url, schema: schema, logger: logger
        ) { [planner] store in
            let decided = try await planner.withCutters(resolvedTarget, store: store)
            return (
                decided, try await store.erasedDocuments(), try await planner.keptBoundaries(decided, store: store)
            )
        }
        let datasets = try await planner.readDatasets(cutTarget, erased: erased, kept: kept, progress: progress)
        let read = Dictionary(uniqueKeysWithValues: datasets.map { ($0.dataset.name, $0.recordsFingerprint) })
        checks.staleDatasets = freight.staleDatasets(read)

        let release = ReleaseContext(
            freight: freight, gitBranch: found.record.gitBranch,
            promotedFrom: Self.promotedFrom(found, freightID: found.record.id, rollback: request.rollback))
        let policy = resolvedTarget.environment.promotion
        let sourceSide = found.source != nil
        let evaluated: (Evaluation, PromotionMachine.Action, Int64?) = try await Store.withStore(
            url: targetLocation.url, schema: schema, logger: logger
        ) { store in
            var checks = checks
            let verdicts = try await store.verdicts(freight: found.record.id)
            checks.rejection = found.sourceRejection ?? Self.rejection(in: verdicts)
            if sourceSide {
                let approvals = verdicts.filter { $0.kind == .approved }.map {
                    PromotionEvidence.Approval(by: $0.by, at: $0.at, message: $0.message)
                }
                checks.gates = self.gates(
                    request: request, policy: policy, evidence: found.evidence, approvals: approvals,
                    gitCommit: found.gitCommit, freightID: found.record.id)
                if let latest = found.sourceLatest, let number = found.sourceRevision, latest != number {
                    checks.sourceMovedOnTo = latest
                }
            }
            var preview = try await planner.plan(
                cutTarget, datasets: datasets, directory: request.directory, store: store, raw: raw)
            preview.release = release
            let evaluation = Evaluation(
                target: request.target, source: found.source?.name, sourceRevision: found.sourceRevision,
                freight: freight, freightID: found.record.id, checks: checks, preview: preview,
                rollback: request.rollback)
            var machine = PromotionMachine()
            let action = try machine.checked(checks)
            guard case .refuse(let reasons) = action, !request.dryRun else { return (evaluation, action, nil) }
            let id = try await store.openPromotion(Self.input(evaluation, request), phase: .refused, reasons: reasons)
            return (evaluation, action, id)
        }
        let (evaluation, action, refusedID) = evaluated
        if case .refuse(let reasons) = action { return .refused(evaluation, reasons: reasons, promotion: refusedID) }
        if request.dryRun { return .dryRun(evaluation) }
        guard try await confirm(evaluation) else { throw TraduError.rejected("promotion cancelled: not approved") }
        return try await apply(
            evaluation, request: request, resolved: resolvedTarget, raw: raw, release: release,
            location: targetLocation)
    }

    // MARK: Finding the freight

    struct Found: Sendable {
        var record: FreightRecord
        var gitCommit: String?
        /// The source environment, nil for a rollback.
        var source: EnvironmentConfig?
        var sourceRevision: Int64?
        var sourceLatest: Int64?
        var sourceRejection: PromotionChecks.Rejection?
        var evidence: SourceBlockEvidence?
    }

    /// The freight in the source: the revision asked for, the latest one that ran `--freight`, or the latest.
    func findFreight(_ request: Request) async throws -> Found {
        let local = ManifestValidation(directory: request.directory, environment: nil)
        guard local.isValid else {
            throw TraduError.invalidManifests(local.diagnostics.filter { $0.severity == .error })
        }
        guard let target = local.compiled.environments[request.target] else {
            throw TraduError.configuration("environment '\(request.target)' is not declared in \(request.directory)")
        }
        guard let sourceName = request.source ?? target.environment.promotion?.from else {
            throw TraduError.rejected(
                "environment '\(request.target)' has no promotion block: it takes changes through `tradu apply`, not"
                    + " promotions (give it `promotion: {from: SOURCE}` to promote into it)")
        }
        let sourceLocation = try await EnvironmentTarget.resolve(
            directory: request.directory, environment: sourceName, resolver: planner.resolver, logger: logger)
        return try await Store.withStore(
            url: sourceLocation.url, schema: try EnvironmentSchema(name: sourceLocation.environment.schema),
            logger: logger
        ) { store in
            let revision: Revision?
            if let number = request.sourceRevision {
                revision = try await store.revision(number)
            } else if let freight = request.freight {
                revision = try await store.revisions(freight: freight).first
            } else {
                revision = try await store.latestRevision()
            }
            guard let revision else {
                let what =
                    request.sourceRevision.map { "revision \($0)" } ?? request.freight.map { "freight \($0)" }
                    ?? "applied revision"
                throw TraduError.rejected("\(sourceName) has no \(what): nothing to promote")
            }
            guard let record = revision.freight else {
                throw TraduError.rejected(
                    "revision \(revision.number) of \(sourceName) was applied before tradu recorded freights: apply it"
                        + " to \(sourceName) again to record one")
            }
            return Found(
                record: record, gitCommit: revision.gitCommit, source: sourceLocation.environment,
                sourceRevision: revision.number, sourceLatest: try await store.latestRevisionNumber(),
                sourceRejection: Self.rejection(in: try await store.verdicts(freight: record.id)),
                evidence: try await store.sourceBlockEvidence())
        }
    }

    /// A freight the target ran before, from the target's own history.
    func findRollback(_ request: Request, at location: EnvironmentTarget) async throws -> Found {
        guard let freight = request.freight else {
            throw TraduError.configuration("--rollback needs --freight ID: the freight to go back to")
        }
        return try await Store.withStore(
            url: location.url, schema: try EnvironmentSchema(name: location.environment.schema), logger: logger
        ) { store in
            guard let revision = try await store.revisions(freight: freight).first, let record = revision.freight
            else {
                throw TraduError.rejected(
                    "\(request.target) never ran freight \(freight): a rollback goes back to a freight the environment"
                        + " has run (see `tradu history -e \(request.target)`)")
            }
            return Found(record: record, gitCommit: revision.gitCommit, sourceRevision: revision.number)
        }
    }

    // MARK: Checks

    func evaluateSourceChecks(
        _ checks: inout PromotionChecks, request: Request, source: EnvironmentConfig, raw: RawManifests,
        target: ResolvedManifests, freight: Freight
    ) throws {
        guard let policy = target.environment.promotion else {
            checks.policyProblems.append(
                "environment '\(request.target)' has no promotion block in freight \(checks.freightID): it takes no"
                    + " promotions")
            return
        }
        if policy.from != source.name {
            checks.policyProblems.append(
                "environment '\(request.target)' is promoted from '\(policy.from)' only, not from '\(source.name)'")
        }
        let resolvedSource = try planner.compile(raw, directory: request.directory, environment: source.name)
        checks.parity = ProcessingParity.compare(
            source: Self.processingSpecs(resolvedSource), target: Self.processingSpecs(target),
            allowed: policy.allowDifferences)
    }

    func gates(
        request: Request, policy: EnvironmentConfig.Promotion?, evidence: SourceBlockEvidence?,
        approvals: [PromotionEvidence.Approval], gitCommit: String?, freightID: String
    ) -> [GateResult] {
        guard let policy, let evidence else { return [] }
        var branch = PromotionEvidence.BranchCheck.noCommit
        if !policy.allowedBranches.isEmpty, let gitCommit {
            branch = .notOnAllowedBranches
            let candidates = GitRevision.branches(in: request.directory).filter { name in
                policy.allowedBranches.contains { fnmatch($0, name, 0) == 0 }
            }
            for name in candidates where GitRevision.isAncestor(gitCommit, of: name, in: request.directory) {
                branch = .onBranch(name)
                break
            }
        }
        return PromotionGates.evaluate(
            policy,
            PromotionEvidence(
                sourceEnvironment: policy.from, totalBlocks: evidence.total, completedBlocks: evidence.completed,
                failedBlocks: evidence.failed, activeBlocks: evidence.active,
                blocksWithErrors: evidence.blocksWithErrors, settledSeconds: evidence.settledSeconds,
                approvals: approvals, promoter: request.actor, branch: branch,
                unsettledRollouts: evidence.unsettledRollouts,
                targetEnvironment: request.target, freightID: freightID))
    }

    static func processingSpecs(_ resolved: ResolvedManifests) -> [String: ProcessingSpec] {
        var specs: [String: ProcessingSpec] = [:]
        for (name, pipeline) in resolved.pipelines {
            guard let engine = resolved.engines[pipeline.engine], let dataset = resolved.datasets[pipeline.dataset]
            else { continue }
            specs[name] = ProcessingSpec(pipeline: pipeline, engine: engine, dataset: dataset)
        }
        return specs
    }

    /// The freight's standing rejection: its latest rejected/unrejected verdict, when that is a rejection.
    static func rejection(in verdicts: [FreightVerdict]) -> PromotionChecks.Rejection? {
        guard let last = verdicts.last(where: { $0.kind != .approved }), last.kind == .rejected else { return nil }
        return PromotionChecks.Rejection(by: last.by, at: last.at, message: last.message)
    }

    static func fingerprints(_ text: String) throws -> [String: String] {
        guard case .object(let members) = try JSONText.parse(text, name: "the freight's dataset fingerprints") else {
            throw TraduError.configuration("the freight's dataset fingerprints are not an object")
        }
        var result: [String: String] = [:]
        for (name, value) in members { if case .string(let print) = value { result[name] = print } }
        return result
    }

    static func promotedFrom(_ found: Found, freightID: String, rollback: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [("freight", .string(freightID)), ("rollback", .bool(rollback))]
        if let source = found.source { members.append(("environment", .string(source.name))) }
        if let revision = found.sourceRevision { members.append(("revision", .int(Int(revision)))) }
        return .object(members)
    }

    static func input(_ evaluation: Evaluation, _ request: Request) -> PromotionInput {
        PromotionInput(
            freightID: evaluation.freightID, sourceEnvironment: evaluation.source,
            sourceRevision: evaluation.sourceRevision, rollback: evaluation.rollback, automatic: request.automatic,
            requestedBy: request.actor, message: request.message,
            gates: JSONValue.array(evaluation.checks.gates.map(\.json)).encoded(),
            allowances: JSONValue.array(
                evaluation.allowances.map {
                    .object([
                        ("pipeline", .string($0.pipeline)), ("field", .string($0.field)),
                        ("source", $0.source ?? .null), ("target", $0.target ?? .null),
                    ])
                }
            ).encoded())
    }

    // MARK: Applying

    func apply(
        _ evaluation: Evaluation, request: Request, resolved: ResolvedManifests, raw: RawManifests,
        release: ReleaseContext, location: EnvironmentTarget
    ) async throws -> Outcome {
        let schema = try EnvironmentSchema(name: location.environment.schema)
        let promotion = try await Store.withStore(url: location.url, schema: schema, logger: logger) { store in
            try await store.openPromotion(Self.input(evaluation, request), phase: .running)
        }
        var release = release
        release.promotionID = promotion
        let freight = evaluation.freight
        let takesTheWheel = Self.takesTheWheel(evaluation, request: request, resolved: resolved)
        let (automatic, actor, freightID) = (request.automatic, request.actor, evaluation.freightID)
        // What the hold was, to put back should the rollback's apply fail after setting it.
        let priorHold =
            takesTheWheel
            ? try await Store.withStore(url: location.url, schema: schema, logger: logger) {
                try await $0.autoPromotionHold()
            } : nil
        let applyRequest = ApplyUseCase.Request(
            directory: request.directory, environment: request.target, command: "promote",
            lockTimeout: request.lockTimeout,
            options: ApplyService.Options(
                message: request.message
                    ?? (evaluation.rollback
                        ? "rollback to freight \(evaluation.freightID)"
                        : "promoted from \(evaluation.source ?? "?") rev \(evaluation.sourceRevision ?? 0)"
                            + " (freight \(evaluation.freightID))"),
                allowMassCancel: true, appliedBy: request.actor),
            compiled: (resolved, raw), release: release,
            verify: { prepared, store in
                let stale = freight.staleDatasets(prepared.datasetFingerprints)
                if !stale.isEmpty {
                    var checks = PromotionChecks(freightID: freight.id, staleDatasets: stale)
                    checks.freightCommit = freight.gitCommit
                    throw TraduError.rejected(checks.refusals[0])
                }
                // Under the environment lock, so a person's rollback and the controller's promotion are ordered:
                // whichever writes second sees the other's revision, and the hold with the rollback's.
                if automatic, let hold = try await store.autoPromotionHold() {
                    throw TraduError.rejected(
                        "auto-promotion is held by a manual rollback to freight \(hold.freightID) (by \(hold.by));"
                            + " `tradu promote --resume-auto` lifts it")
                }
                if takesTheWheel { try await store.setAutoPromotionHold(freight: freightID, by: actor) }
            })
        do {
            let outcome: ApplyUseCase.Outcome
            do {
                outcome = try await ApplyUseCase(planner: planner, applier: applier).run(applyRequest) { _ in true }
            } catch {
                if takesTheWheel {
                    try? await Store.withStore(url: location.url, schema: schema, logger: logger) { store in
                        try await store.setAutoPromotionHold(freight: priorHold?.freightID, by: priorHold?.by ?? actor)
                    }
                }
                throw error
            }
            if outcome.revision == nil {
                try await Store.withStore(url: location.url, schema: schema, logger: logger) { store in
                    try await store.finishPromotionUnchanged(
                        promotion, targetRevision: outcome.prepared.latestRevision?.number)
                }
            }
            return .promoted(evaluation, revision: outcome.revision, promotion: promotion)
        } catch {
            let phase: PromotionPhase
            if case TraduError.rejected = error { phase = .refused } else { phase = .failed }
            try? await Store.withStore(url: location.url, schema: schema, logger: logger) { store in
                try await store.finishPromotion(promotion, phase: phase, reasons: ["\(error)"])
            }
            throw error
        }
    }

    /// A person who puts another freight than the source's latest into an auto-promoted environment (a rollback:
    /// a promotion of anything but the latest is refused) takes the wheel: the controller holds until
    /// `tradu promote --resume-auto`. The hold is set under the environment lock, before the rollback's revision is
    /// written: set after it, a controller could promote the newer freight again in between.
    static func takesTheWheel(_ evaluation: Evaluation, request: Request, resolved: ResolvedManifests) -> Bool {
        !request.automatic && evaluation.rollback && resolved.environment.promotion?.auto == true
    }
}
