/// What the environment holds for one pipeline, as the planner needs it.
public struct ExistingPipeline: Sendable, Hashable {
    public var name: String
    public var dataset: String
    public var spec: ProcessingSpec
    public var sizing: JSONValue
    /// Its latest rollout, if any.
    public var rollout: RolloutSnapshot?

    public init(name: String, dataset: String, spec: ProcessingSpec, sizing: JSONValue, rollout: RolloutSnapshot? = nil)
    {
        self.name = name
        self.dataset = dataset
        self.spec = spec
        self.sizing = sizing
        self.rollout = rollout
    }
}

/// One stored block (work item) as the planner needs it.
public struct ExistingBlock: Sendable, Hashable {
    /// Held as digits: a re-plan holds every stored block.
    public var identity: CompactID
    public var pipeline: String
    public var blockIdentity: CompactID
    public var targetLanguage: String
    public var specHash: String
    public var state: BlockState
    public var ordinal: Int

    public init(
        id: String, pipeline: String, blockHash: String, targetLanguage: String, specHash: String, state: BlockState,
        ordinal: Int
    ) {
        self.identity = CompactID(id)
        self.pipeline = pipeline
        self.blockIdentity = CompactID(blockHash)
        self.targetLanguage = targetLanguage
        self.specHash = specHash
        self.state = state
        self.ordinal = ordinal
    }

    init(
        identity: CompactID, pipeline: String, blockIdentity: CompactID, targetLanguage: String, specHash: String,
        state: BlockState, ordinal: Int
    ) {
        self.identity = identity
        self.pipeline = pipeline
        self.blockIdentity = blockIdentity
        self.targetLanguage = targetLanguage
        self.specHash = specHash
        self.state = state
        self.ordinal = ordinal
    }

    public var id: String { identity.string }
    public var blockHash: String { blockIdentity.string }

    public var isCancelled: Bool { state == .cancelled }
}

/// What the manifests want for one pipeline: its specs and its dataset's blocks.
public struct DesiredPipeline: Sendable {
    public var pipeline: Pipeline
    public var spec: ProcessingSpec
    public var sizing: BlockSizing
    public var blocks: CutBlockList

    /// Why a stored block of this pipeline is cancelled, for the plan's `-` lines: its language left the
    /// pipeline, or its content is no longer among the dataset's blocks (records changed, moved or were re-cut).
    public func cancellationReason(of block: ExistingBlock) -> String {
        pipeline.targetLanguages.contains(block.targetLanguage)
            ? "no longer in the data" : "language left the manifests"
    }

    public init(pipeline: Pipeline, spec: ProcessingSpec, sizing: BlockSizing, blocks: CutBlockList) {
        self.pipeline = pipeline
        self.spec = spec
        self.sizing = sizing
        self.blocks = blocks
    }
}

/// The block plan of one environment: DESIGN §3's `+`, `~`, `-/+` and `-`, per pipeline.
public struct BlockPlan: Sendable {
    public struct PipelineChanges: Sendable {
        public var name: String
        public var dataset: String
        public var engine: String?
        /// nil when the pipeline left the manifests (everything it had is cancelled).
        public var desired: DesiredPipeline?
        /// `+`: new blocks (new or edited content, new target languages, restored blocks).
        public var additions = WorkItemList()
        /// `-/+`: blocks of a re-cut (the dataset's sizing changed); they replace `recutRemovals`.
        public var recuts = WorkItemList()
        public var recutRemovals: [ExistingBlock] = []
        /// `~`: blocks whose processing spec changed, with the fields that changed.
        public var reprocess = WorkItemList()
        public var reprocessFields: [String] = []
        /// `-`: blocks that left the manifests.
        public var cancellations: [ExistingBlock] = []
        public var unchanged = 0
        /// Old and new sizing when they differ.
        public var sizingChange: (old: JSONValue, new: JSONValue)?
        /// Characters of text the plan sends to the engine (additions, re-cuts, reprocessing).
        public var inputCharacters: Int64 = 0
        /// With `rollout:`, the `~` blocks are reprocessed step by step by the controller, not by the apply.
        public var rollout: RolloutChange?
        /// A running rollout this plan ends (a different spec, or the manifests went back to the current one).
        public var supersedesRollout = false

        /// Blocks the apply itself sends back to be reprocessed (none when a rollout takes them).
        public var reprocessedByApply: WorkItemList {
            if case .start = rollout { return [] }
            return reprocess
        }

        public var hasChanges: Bool {
            !additions.isEmpty || !recuts.isEmpty || !recutRemovals.isEmpty || !reprocess.isEmpty
                || !cancellations.isEmpty || specOrSizingChanged || supersedesRollout
        }

        /// The stored pipeline row changes even when no block does (a new pipeline with an empty dataset).
        public var specOrSizingChanged = false
    }

    public var pipelines: [PipelineChanges]
    /// Blocks in the environment that are not cancelled: the base of the mass-cancel guard.
    public var activeBlockCount: Int

    public var toAdd: Int { pipelines.reduce(0) { $0 + $1.additions.count + $1.recuts.count } }
    public var toReprocess: Int { pipelines.reduce(0) { $0 + $1.reprocess.count } }
    public var toRecut: Int { pipelines.reduce(0) { $0 + $1.recuts.count } }
    public var toCancel: Int { pipelines.reduce(0) { $0 + $1.cancellations.count + $1.recutRemovals.count } }
    public var unchanged: Int { pipelines.reduce(0) { $0 + $1.unchanged } }
    public var hasBlockChanges: Bool { toAdd + toReprocess + toCancel > 0 }
    public var hasChanges: Bool { pipelines.contains { $0.hasChanges } }

    /// More than half of the environment's blocks would be cancelled (not counting re-cuts): the guard
    /// against a manifest folder that went missing.
    public var isMassCancel: Bool {
        let cancelled = pipelines.reduce(0) { $0 + $1.cancellations.count }
        return activeBlockCount > 0 && cancelled * 2 > activeBlockCount
    }

    /// Input size per engine (characters; tokens ≈ characters / 4).
    public var charactersByEngine: [String: Int64] {
        pipelines.reduce(into: [:]) { totals, changes in
            guard let engine = changes.engine, changes.inputCharacters > 0 else { return }
            totals[engine, default: 0] += changes.inputCharacters
        }
    }
}
