/// What the planner needs of an existing block to diff it against the desired set.
public struct StoredBlock: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    public var blockHash: String
    public var targetLanguage: String
    public var specHash: String
    /// `created`, `claimed`, `enqueued`, `in_process`, `completed`, `failed` or `cancelled`.
    public var state: String
    public var ordinal: Int

    public init(
        id: String, pipeline: String, blockHash: String, targetLanguage: String, specHash: String, state: String,
        ordinal: Int
    ) {
        self.id = id
        self.pipeline = pipeline
        self.blockHash = blockHash
        self.targetLanguage = targetLanguage
        self.specHash = specHash
        self.state = state
        self.ordinal = ordinal
    }
}
