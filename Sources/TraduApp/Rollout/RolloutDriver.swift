import Logging
import TraduCore
import TraduStore

/// The leading controller's part in rollouts: starts each step, notices when its sample is final, analyses it
/// and moves the rollout on. Level-triggered like the reconcile loop: everything it needs is in the rollout's
/// row, so a standby that takes over resumes exactly where the old leader stopped (a started step is never
/// started again, an analysis interrupted is made again on the same blocks).
struct RolloutDriver: Sendable {
    var actions: RolloutActions
    var analyst: RolloutAnalyst
    var actor: String

    /// One pass over every pipeline's latest rollout.
    func reconcile(_ store: Store) async throws {
        for rollout in try await store.latestRollouts() {
            // At 0 from the first sight of a pipeline's rollout, so `increase()` sees the first rollback.
            TraduMetrics.declareCounter(
                MetricNames.rollbacks, [("env", actions.environment), ("pipeline", rollout.pipeline)])
            TraduMetrics.gauge(
                MetricNames.rolloutStep, rollout.state.isActive ? Double(rollout.state.step + 1) : 0,
                [("env", actions.environment), ("pipeline", rollout.pipeline)])
            guard rollout.state.phase == .progressing || rollout.state.phase == .analyzing else { continue }
            try await advance(rollout, store)
        }
    }

    private func advance(_ rollout: RolloutRecord, _ store: Store) async throws {
        let machine = RolloutMachine(state: rollout.state, spec: rollout.spec)
        switch machine.pending {
        case .startStep(let step):
            guard let sent = try await store.startRolloutStep(rollout, actor: actor) else { return }
            actions.logger.notice(
                "rollout step started",
                metadata: [
                    "pipeline": "\(rollout.pipeline)", "revision": "\(rollout.revision)", "rollout": "\(rollout.id)",
                    "step": "\(step + 1)/\(rollout.spec.steps.count)",
                    "share": "\(RolloutSpec.percentText(rollout.spec.steps[step]))", "blocks": "\(sent)",
                ])
        case .analyze:
            let verdict = try await analyst.analyse(rollout, store: store)
            _ = try await actions.handle(
                .verdict(verdict), on: rollout, store: store, actor: actor,
                message: "analysis of step \(rollout.state.step + 1): \(verdict.summary)", verdict: verdict)
        default:
            guard machine.awaitsSample else { return }
            let progress = try await store.rolloutSampleProgress(rolloutID: rollout.id)
            guard progress.open == 0 else { return }
            _ = try await actions.handle(
                .sampleFinal, on: rollout, store: store, actor: actor,
                message: "step \(rollout.state.step + 1): all \(progress.total) sample blocks final")
        }
    }
}
