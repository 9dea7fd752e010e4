import TraduCore
import TraduStore

// The release side of the API: an applied revision's plan and diff, promotions and rollouts, and the decisions
// people make about them (approve, reject, promote, rollout promote/abort/retry). The same use cases as
// `tradu approve|reject|promote|rollout`; each action is also written to the operator audit.

extension OperatorService {
    /// One applied revision with its plan (digest and summary, as applied) and its manifests' diff against the
    /// revision before it; nil when there is no such revision.
    public func revisionJSON(number: Int64) async throws -> JSONValue? {
        try await withStore { store in
            guard let revision = try await store.revision(number) else { return nil }
            let previous = number > 1 ? try await store.revision(number - 1) : nil
            let new = try JSONText.parse(revision.manifests, name: "revision \(number)'s manifests")
            let old = try previous.map { try JSONText.parse($0.manifests, name: "revision \($0.number)'s manifests") }
            let diff = DiffPresenter.json(
                ManifestDiff.compare(old: old, new: new), environment: environment, revision: previous?.number)
            guard case .object(var fields) = APIPresenter.revision(revision) else { return nil }
            if let digest = revision.planDigest { fields.append(("planDigest", .string(digest))) }
            fields.append(("diff", diff))
            return .object(fields)
        }
    }

    /// Promotion records into this environment, newest first, with their gates and reasons.
    public func promotionsJSON(limit: Int) async throws -> JSONValue {
        let records = try await withStore { try await $0.promotions(limit: limit) }
        guard case .object(let fields) = PromotionPresenter.json(records, environment: environment) else {
            return .object([])
        }
        return .object(fields.map { $0.0 == "promotions" ? ("items", $0.1) : $0 })
    }

    /// The latest rollout of each pipeline, with its analyses, events and sample progress.
    public func rolloutsJSON() async throws -> JSONValue {
        let reports = try await withStore {
            try await RolloutService.reports(in: $0, environment: environment, pipeline: nil)
        }
        guard case .object(let fields) = RolloutPresenter.json(reports, environment: environment) else {
            return .object([])
        }
        return .object(fields.map { $0.0 == "rollouts" ? ("items", $0.1) : $0 })
    }

    /// A person's decision about a pipeline's latest rollout. Returns its phase after it and the revision it
    /// recorded (an abort's rollback, a retry's reinstatement).
    public func actOnRollout(
        _ request: RolloutService.Request, pipeline: String, actor: String, reason: String, via: String = "api"
    ) async throws -> JSONValue {
        try await withStore { store in
            let (state, revision) = try await RolloutService.act(
                request, in: store, environment: environment, pipeline: pipeline, message: reason, by: actor,
                logger: logger)
            try await store.recordOperatorAction(
                "rollout \(request.rawValue)", pipeline: pipeline, actor: actor, reason: reason, via: via,
                detail: "now \(state.phase.rawValue)" + (revision.map { ", revision \($0)" } ?? ""))
            var fields: [(String, JSONValue)] = [("phase", .string(state.phase.rawValue))]
            if let revision { fields.append(("revision", .int(Int(revision)))) }
            return .object(fields)
        }
    }

    /// Approves a freight (or the source's revision that ran one) for promotions into this environment.
    public func approve(
        freight: String?, sourceRevision: Int64?, actor: String, reason: String, via: String = "api"
    ) async throws -> JSONValue {
        let releases = try releaseService()
        let subject: ReleaseService.Subject
        switch (freight, sourceRevision) {
        case (let id?, nil): subject = .freight(id)
        case (nil, let number?): subject = .sourceRevision(number)
        default: throw TraduError.configuration("name either a freight or a source revision")
        }
        let approved = try await releases.approve(environment: environment, subject, message: reason, by: actor)
        try await withStore { store in
            try await store.recordOperatorAction(
                "approve", pipeline: nil, actor: actor, reason: reason, via: via, detail: "freight \(approved)")
        }
        return .object([("freight", .string(approved))])
    }

    /// Rejects a freight in this environment (or withdraws the rejection): no promotion here accepts it.
    public func judge(freight: String, reject: Bool, actor: String, reason: String, via: String = "api")
        async throws -> JSONValue
    {
        _ = try await releaseService().judge(
            freight: freight, reject ? .reject : .unreject, message: reason, by: actor, environments: [environment])
        try await withStore { store in
            try await store.recordOperatorAction(
                reject ? "reject" : "unreject", pipeline: nil, actor: actor, reason: reason, via: via,
                detail: "freight \(freight)")
        }
        return .object([("freight", .string(freight)), ("rejected", .bool(reject))])
    }

    /// Promotes a freight into this environment (from its `promotion.from`), or rolls back to one it ran before:
    /// every check and gate is made first, and a refusal writes only its promotion record. `dryRun` checks only.
    public func promote(
        freight: String?, sourceRevision: Int64?, rollback: Bool, dryRun: Bool, actor: String, reason: String,
        via: String = "api"
    ) async throws -> (promoted: Bool, body: JSONValue) {
        guard let project else { throw TraduError.configuration("this server was started without a project folder") }
        let request = PromoteUseCase.Request(
            directory: project.directory, target: environment, sourceRevision: sourceRevision, freight: freight,
            rollback: rollback, dryRun: dryRun, message: reason, actor: actor)
        let useCase = PromoteUseCase(
            planner: PlanService(resolver: project.resolver, logger: logger, projectRoot: project.root),
            applier: ApplyService(logger: logger))
        let presenter = PromotionPresenter()
        let outcome = try await useCase.run(request)
        let (name, body, promoted): (String, JSONValue, Bool)
        switch outcome {
        case .refused(let evaluation, let reasons, let promotion):
            (name, body, promoted) = (
                "refused",
                presenter.json(evaluation, outcome: "refused", reasons: reasons, promotion: promotion, revision: nil),
                false
            )
        case .dryRun(let evaluation):
            (name, body, promoted) = (
                "dry-run", presenter.json(evaluation, outcome: "dry-run", reasons: [], promotion: nil, revision: nil),
                true
            )
        case .promoted(let evaluation, let revision, let promotion):
            (name, body, promoted) = (
                "promoted",
                presenter.json(
                    evaluation, outcome: "promoted", reasons: [], promotion: promotion, revision: revision),
                true
            )
        }
        if !dryRun {
            try await withStore { store in
                try await store.recordOperatorAction(
                    rollback ? "rollback" : "promote", pipeline: nil, actor: actor, reason: reason, via: via,
                    detail: "\(name): freight \(body["freight"]?.stringValue ?? "?")")
            }
        }
        return (promoted, body)
    }

    private func releaseService() throws -> ReleaseService {
        guard let project else { throw TraduError.configuration("this server was started without a project folder") }
        return ReleaseService(directory: project.directory, resolver: project.resolver, logger: logger)
    }
}
