import TraduCore

/// One rollout, as stored.
public struct RolloutRecord: Sendable, Hashable {
    public var id: Int64
    public var pipeline: String
    /// The revision that asked for the new spec.
    public var revision: Int64
    /// The revision whose manifests run the previous spec (nil for none recorded).
    public var baselineRevision: Int64?
    public var baselineSpecHash: String
    public var canarySpecHash: String
    /// The new processing spec, JSON text.
    public var canarySpec: String
    /// The processing-spec fields that changed (`engine.prompt`).
    public var changedFields: [String]
    public var spec: RolloutSpec
    public var state: RolloutState
    /// RFC 3339 UTC.
    public var createdAt: String
    public var updatedAt: String
    public var finishedAt: String?

    public var snapshot: RolloutSnapshot { RolloutSnapshot(canarySpecHash: canarySpecHash, state: state, spec: spec) }
}

/// A rollout an apply starts, in the apply's transaction.
public struct RolloutStart: Sendable, Hashable {
    public var pipeline: String
    public var baselineSpecHash: String
    public var canarySpecHash: String
    public var canarySpec: String
    public var changedFields: [String]
    /// `RolloutSpec.json`, JSON text.
    public var spec: String

    public init(
        pipeline: String, baselineSpecHash: String, canarySpecHash: String, canarySpec: String,
        changedFields: [String], spec: String
    ) {
        self.pipeline = pipeline
        self.baselineSpecHash = baselineSpecHash
        self.canarySpecHash = canarySpecHash
        self.canarySpec = canarySpec
        self.changedFields = changedFields
        self.spec = spec
    }
}

/// One recorded analysis.
public struct RolloutAnalysisRecord: Sendable, Hashable {
    public var step: Int
    public var run: Int
    /// `passed`, `failed` or `inconclusive`.
    public var outcome: String
    public var summary: String
    public var blocks: Int
    /// JSON text: `[{"metric", "measured", "limit", "passed", "note"}]`.
    public var figures: String
    public var at: String
}

/// One change of a rollout's phase or step.
public struct RolloutEventRecord: Sendable, Hashable {
    public var fromPhase: String?
    public var toPhase: String
    public var step: Int
    public var actor: String
    public var message: String?
    public var at: String
}

/// A block of a rollout's sample with its two results, as stored (records are JSON Lines text).
public struct RolloutSampleRow: Sendable, Hashable {
    public var blockID: String
    public var state: BlockState
    public var errorClass: String?
    public var canaryRecords: String?
    public var canaryInputTokens: Int64
    public var canaryOutputTokens: Int64
    public var canaryMemoryHits: Int
    public var baselineRecords: String?
    public var baselineInputTokens: Int64
    public var baselineOutputTokens: Int64
    public var baselineMemoryHits: Int
}

/// A revision recorded by a rollout itself (an automatic rollback, a retry that reinstates the new spec): the
/// effective manifests change, the freight stays the latest revision's.
public struct RolloutRevision: Sendable, Hashable {
    public var manifests: String
    public var manifestDigest: String
    public var appliedBy: String
    public var message: String

    public init(manifests: String, manifestDigest: String, appliedBy: String, message: String) {
        self.manifests = manifests
        self.manifestDigest = manifestDigest
        self.appliedBy = appliedBy
        self.message = message
    }
}

/// What a rollout transition does besides changing the rollout's row, in the same transaction.
public enum RolloutEffect: Sendable, Hashable {
    case none
    /// The new spec becomes the pipeline's, its results current; blocks the sample missed are reprocessed.
    case complete
    /// The sample goes back to the previous spec and its current results; a revision records it.
    case rollBack(RolloutRevision)
    /// The new spec's manifests run again (retry of a rolled-back rollout); a revision records it.
    case reinstate(RolloutRevision)
}
