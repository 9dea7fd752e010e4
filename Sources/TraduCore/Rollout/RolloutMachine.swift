/// Where a rollout stands: what is persisted for it, and all a controller needs to resume it after a failover.
public struct RolloutState: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable, CaseIterable {
        /// Reprocessing step `step`'s sample under the new spec.
        case progressing
        /// The step's sample is final: its analysis is being made.
        case analyzing
        /// Stopped by a failed or inconclusive analysis (`onFailure: pause`): a person decides.
        case paused
        /// The new spec is the pipeline's spec, and its results are current.
        case completed
        /// Back on the previous spec (a failed analysis or `tradu rollout abort`); the new results are kept.
        case rolledBack = "rolled_back"
        /// Replaced by another spec change before it ended.
        case superseded
    }

    public var phase: Phase
    /// 0-based index into the rollout's steps.
    public var step: Int
    /// Whether the current step's sample was sent back to be reprocessed.
    public var stepStarted: Bool
    /// Grows at every `retry`: a block reprocessed in an earlier run is reprocessed again.
    public var run: Int
    /// `tradu rollout promote`: the remaining steps run without analysis.
    public var skipAnalysis: Bool
    /// Why it is paused, rolled back or superseded.
    public var reason: String?

    public init(
        phase: Phase = .progressing, step: Int = 0, stepStarted: Bool = false, run: Int = 1,
        skipAnalysis: Bool = false, reason: String? = nil
    ) {
        self.phase = phase
        self.step = step
        self.stepStarted = stepStarted
        self.run = run
        self.skipAnalysis = skipAnalysis
        self.reason = reason
    }

    /// Still holding the pipeline between two specs: a promotion of the source revision waits for it.
    public var isActive: Bool { phase == .progressing || phase == .analyzing || phase == .paused }

    /// Not settled, from a promotion's point of view: running, paused or rolled back.
    public var isUnsettled: Bool { isActive || phase == .rolledBack }
}

/// The rollout of one processing-spec change (DESIGN §3c, Argo Rollouts' canary for reprocessing):
/// `progressing(k)` → `analyzing(k)` → `progressing(k+1)` … → `completed`, or `rolledBack` / `paused` on a failed
/// analysis. Pure: each event returns the action the controller (or a command) performs, and the caller persists
/// the new state only if the action succeeded, conditionally on the old one (so two controllers never both act).
public struct RolloutMachine: Sendable {
    public enum Action: Sendable, Hashable {
        case none
        /// Send step k's sample (the blocks not yet reprocessed in this run) back under the new spec.
        case startStep(Int)
        /// Measure step k's sample against the current results.
        case analyze(Int)
        /// Make the new spec the pipeline's spec and its results current.
        case complete
        /// Restore the previous spec (a revision records why) and the sample's current results.
        case rollBack(String)
        case pause(String)
        /// `retry` of a rolled-back rollout: the new spec runs again (a revision records it).
        case reinstate
    }

    public enum Event: Sendable, Hashable {
        case stepStarted
        case sampleFinal
        case verdict(RolloutVerdict)
        case promote(actor: String, message: String)
        case abort(actor: String, message: String)
        case retry(actor: String, message: String)
        case superseded(String)
    }

    public struct IllegalEvent: Error, Sendable, Hashable, CustomStringConvertible {
        public var phase: RolloutState.Phase
        public var event: String
        public var description: String { "a rollout that is \(phase.rawValue) cannot \(event)" }
    }

    public private(set) var state: RolloutState
    public let spec: RolloutSpec

    public init(state: RolloutState, spec: RolloutSpec) {
        self.state = state
        self.spec = spec
    }

    /// What the leading controller does next, without an event: start the step, wait, or analyse.
    public var pending: Action {
        switch state.phase {
        case .progressing: state.stepStarted ? .none : .startStep(state.step)
        case .analyzing: .analyze(state.step)
        default: .none
        }
    }

    /// Whether the controller should watch for the current step's sample to be final.
    public var awaitsSample: Bool { state.phase == .progressing && state.stepStarted }

    public mutating func handle(_ event: Event) throws(IllegalEvent) -> Action {
        switch event {
        case .stepStarted:
            try require(state.phase == .progressing && !state.stepStarted, "start a step")
            state.stepStarted = true
            return .none
        case .sampleFinal:
            try require(awaitsSample, "finish a step")
            if state.skipAnalysis { return advance() }
            state.phase = .analyzing
            return .analyze(state.step)
        case .verdict(let verdict):
            try require(state.phase == .analyzing, "take a verdict")
            switch verdict.outcome {
            case .passed:
                return advance()
            case .failed(let figure):
                return fail(figure.failureText)
            case .inconclusive(let reason):
                state.phase = .paused
                state.reason = reason
                return .pause(reason)
            }
        case .promote(let actor, let message):
            try require(state.isActive, "be promoted")
            state.skipAnalysis = true
            state.reason = "promoted by \(actor): \(message)"
            if state.phase == .analyzing && state.step == spec.lastStep { return advance() }
            if state.phase == .progressing && state.step == spec.lastStep && state.stepStarted { return .none }
            state.phase = .progressing
            state.step = spec.lastStep
            state.stepStarted = false
            return .startStep(state.step)
        case .abort(let actor, let message):
            try require(state.isActive, "be aborted")
            state.phase = .rolledBack
            state.reason = "aborted by \(actor): \(message)"
            return .rollBack(state.reason!)
        case .retry(let actor, let message):
            try require(state.isActive || state.phase == .rolledBack, "be retried")
            let wasRolledBack = state.phase == .rolledBack
            state = RolloutState(
                phase: .progressing, step: 0, stepStarted: false, run: state.run + 1, skipAnalysis: false,
                reason: "retried by \(actor): \(message)")
            return wasRolledBack ? .reinstate : .none
        case .superseded(let reason):
            try require(state.phase != .completed && state.phase != .superseded, "be superseded")
            state.phase = .superseded
            state.reason = reason
            return .none
        }
    }

    /// A passed step: the next one, or completion after the last.
    private mutating func advance() -> Action {
        if state.step >= spec.lastStep {
            state.phase = .completed
            return .complete
        }
        state.phase = .progressing
        state.step += 1
        state.stepStarted = false
        return .startStep(state.step)
    }

    private mutating func fail(_ reason: String) -> Action {
        state.reason = reason
        switch spec.onFailure {
        case .rollback:
            state.phase = .rolledBack
            return .rollBack(reason)
        case .pause:
            state.phase = .paused
            return .pause(reason)
        }
    }

    private func require(_ condition: Bool, _ event: String) throws(IllegalEvent) {
        guard condition else { throw IllegalEvent(phase: state.phase, event: event) }
    }
}
