/// A block to add, or a cancelled block to bring back.
public struct BlockRow: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    /// Must be in `block_contents` already or among the batch's contents.
    public var blockHash: String
    public var targetLanguage: String
    public var ordinal: Int
    public var specHash: String
    public var priority: Int

    public init(
        id: String, pipeline: String, blockHash: String, targetLanguage: String, ordinal: Int, specHash: String,
        priority: Int = 50
    ) {
        self.id = id
        self.pipeline = pipeline
        self.blockHash = blockHash
        self.targetLanguage = targetLanguage
        self.ordinal = ordinal
        self.specHash = specHash
        self.priority = priority
    }
}
