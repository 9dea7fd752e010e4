/// A unit of desired work: one block of a pipeline's dataset in one target language. Its id is derived
/// from content alone, so re-planning an unchanged corpus yields the same ids.
public struct WorkItem: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    public var blockHash: String
    public var targetLanguage: String
    public var ordinal: Int
    /// Characters of source text (0 when unknown): a plan's input-size estimate.
    public var characterCount: Int64 = 0

    public init(pipeline: String, block: CutBlock, targetLanguage: String) {
        self.id = WorkItem.id(pipeline: pipeline, blockHash: block.hash, targetLanguage: targetLanguage)
        self.pipeline = pipeline
        self.blockHash = block.hash
        self.targetLanguage = targetLanguage
        self.ordinal = block.ordinal
        self.characterCount = block.characterCount
    }

    public init(id: String, pipeline: String, blockHash: String, targetLanguage: String, ordinal: Int) {
        self.id = id
        self.pipeline = pipeline
        self.blockHash = blockHash
        self.targetLanguage = targetLanguage
        self.ordinal = ordinal
    }

    /// (pipeline name, block content hash, target language) → 32 hex characters.
    public static func id(pipeline: String, blockHash: String, targetLanguage: String) -> String {
        ContentHash.hex(of: "tradu/v1\u{0}\(pipeline)\u{0}\(blockHash)\u{0}\(targetLanguage)")
    }
}
