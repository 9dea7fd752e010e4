/// The latest rollout of a pipeline, as the planner needs it.
public struct RolloutSnapshot: Sendable, Hashable {
    public var canarySpecHash: String
    public var state: RolloutState
    public var spec: RolloutSpec

    public init(canarySpecHash: String, state: RolloutState, spec: RolloutSpec) {
        self.canarySpecHash = canarySpecHash
        self.state = state
        self.spec = spec
    }
}

/// What a plan does about a pipeline's rollout.
public enum RolloutChange: Sendable, Hashable {
    /// A new rollout: its first step reprocesses `firstStep` of the `population` changed blocks, reading
    /// `firstStepCharacters` characters of source text.
    case start(firstStep: Int, population: Int, firstStepCharacters: Int64)
    /// The manifests ask for the spec a running rollout is rolling out: nothing to write for it.
    case continuing(RolloutState, steps: Int)
    /// The manifests ask for a spec that was rolled back: held on the previous spec until `tradu rollout retry`
    /// or a different spec.
    case held(reason: String)
}

/// The order a rollout samples blocks in: blocks that have a current result (so the analysis has something to
/// compare with) first, then by block content hash and id. Deterministic: the same blocks on every run.
public enum RolloutSampleOrder {
    public static func precedes(
        _ a: (hasResult: Bool, blockHash: String, id: String), _ b: (hasResult: Bool, blockHash: String, id: String)
    ) -> Bool {
        if a.hasResult != b.hasResult { return a.hasResult }
        return (a.blockHash, a.id) < (b.blockHash, b.id)
    }
}
