import Logging
import TraduCore
import TraduStore

/// Applies one event to one rollout: the `RolloutMachine` decides, the store writes it conditionally on the state
/// the rollout was read in, with its effect (completion, rollback revision, reinstatement revision) in the same
/// transaction. Shared by the leading controller and `tradu rollout`.
struct RolloutActions: Sendable {
    enum Outcome: Sendable, Equatable {
        /// The rollout moved since it was read (another controller, an operator): nothing was written.
        case moved
        case done(RolloutState, revision: Int64?)
    }

    var environment: String
    var logger: Logger

    func handle(
        _ event: RolloutMachine.Event, on rollout: RolloutRecord, store: Store, actor: String, message: String?,
        verdict: RolloutVerdict? = nil
    ) async throws -> Outcome {
        var machine = RolloutMachine(state: rollout.state, spec: rollout.spec)
        let action: RolloutMachine.Action
        do {
            action = try machine.handle(event)
        } catch {
            throw TraduError.rejected("pipeline '\(rollout.pipeline)': \(error)")
        }
        let effect: RolloutEffect
        switch action {
        case .complete:
            effect = .complete
        case .rollBack(let reason):
            let automatic = if case .verdict = event { true } else { false }
            let text =
                (automatic ? "automatic rollback" : "rollback") + " of revision \(rollout.revision): \(reason)"
            effect = .rollBack(
                try await revision(of: rollout, engineFrom: rollout.baselineRevision, store: store, actor: actor, text))
        case .reinstate:
            effect = .reinstate(
                try await revision(
                    of: rollout, engineFrom: rollout.revision, store: store, actor: actor,
                    "retry of the rollout of revision \(rollout.revision): \(message ?? "")"))
        default:
            effect = .none
        }
        let analysis = verdict.map {
            (outcome: $0.outcomeName, summary: $0.summary, blocks: $0.blocks, figures: $0.figuresJSON.encoded())
        }
        let written = try await store.transitionRollout(
            rollout, to: machine.state, actor: actor, message: message ?? machine.state.reason, analysis: analysis,
            effect: effect)
        if written.moved { return .moved }
        record(rollout, to: machine.state, verdict: verdict, revision: written.revision)
        return .done(machine.state, revision: written.revision)
    }

    /// The revision a rollback or reinstatement records: the latest revision's manifests with the pipeline's
    /// engine as revision `source` had it.
    private func revision(
        of rollout: RolloutRecord, engineFrom source: Int64?, store: Store, actor: String, _ message: String
    ) async throws -> RolloutRevision {
        guard let latest = try await store.latestRevision(), let source, let from = try await store.revision(source)
        else {
            throw TraduError.configuration(
                "pipeline '\(rollout.pipeline)': the revision that runs the other spec is not recorded")
        }
        let manifests = RolloutManifests.withEngine(
            of: rollout.pipeline, from: try JSONText.parse(from.manifests, name: "revision \(source)"),
            into: try JSONText.parse(latest.manifests, name: "revision \(latest.number)"))
        return RolloutRevision(
            manifests: manifests.encoded(sortedKeys: true), manifestDigest: CanonicalManifests.digest(manifests),
            appliedBy: actor, message: message)
    }

    /// A log line with the pipeline, the revision and the measured values; the rollout's metrics.
    func record(_ rollout: RolloutRecord, to state: RolloutState, verdict: RolloutVerdict?, revision: Int64?) {
        var metadata: Logger.Metadata = [
            "pipeline": "\(rollout.pipeline)", "revision": "\(rollout.revision)", "rollout": "\(rollout.id)",
            "from": "\(rollout.state.phase.rawValue)", "to": "\(state.phase.rawValue)",
            "step": "\(state.step + 1)/\(rollout.spec.steps.count)",
        ]
        if let reason = state.reason { metadata["reason"] = "\(reason)" }
        if let revision { metadata["recorded_revision"] = "\(revision)" }
        if let verdict {
            metadata["verdict"] = "\(verdict.summary)"
            metadata["blocks"] = "\(verdict.blocks)"
            for figure in verdict.figures {
                metadata[figure.metric] =
                    "\(RolloutFigure.format(figure.measured)) (limit \(RolloutFigure.format(figure.limit)))"
                TraduMetrics.gauge(
                    MetricNames.rolloutAnalysis, figure.measured ?? 0,
                    [
                        ("env", environment), ("pipeline", rollout.pipeline), ("metric", figure.metric),
                        ("result", figure.passed ? "pass" : "fail"),
                    ])
            }
        }
        let level: Logger.Level = state.phase == .rolledBack || state.phase == .paused ? .warning : .notice
        logger.log(level: level, "rollout \(state.phase.rawValue)", metadata: metadata)
        TraduMetrics.gauge(
            MetricNames.rolloutStep, state.isActive ? Double(state.step + 1) : 0,
            [("env", environment), ("pipeline", rollout.pipeline)])
        if state.phase == .rolledBack {
            TraduMetrics.count(MetricNames.rollbacks, 1, [("env", environment), ("pipeline", rollout.pipeline)])
        }
    }
}
