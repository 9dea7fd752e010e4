/// A unit of desired work: one block of a pipeline's dataset in one target language. Its id is derived
/// from content alone, so re-planning an unchanged corpus yields the same ids.
public struct WorkItem: Sendable, Hashable {
    /// Held as digits: a plan of millions of blocks holds one work item per new block.
    public var identity: CompactID
    public var pipeline: String
    public var blockIdentity: CompactID
    public var targetLanguage: String
    public var ordinal: Int
    /// Characters of source text (0 when unknown): a plan's input-size estimate.
    public var characterCount: Int64 = 0

    public var id: String { identity.string }
    public var blockHash: String { blockIdentity.string }

    public init(pipeline: String, block: CutBlock, targetLanguage: String) {
        self.identity = Self.identity(pipeline: pipeline, block: block, targetLanguage: targetLanguage)
        self.pipeline = pipeline
        self.blockIdentity = block.identity
        self.targetLanguage = targetLanguage
        self.ordinal = block.ordinal
        self.characterCount = block.characterCount
    }

    /// The id of `block`'s item in `targetLanguage`: `id(pipeline:blockHash:targetLanguage:)` as digits.
    ///
    /// Made for every new item of a plan at least twice (the plan's digest, the item's row), so the id text is
    /// written into one stack buffer and hashed there rather than built as a string (two allocations a time):
    /// in `perf` samples of a 20,000-block first apply, 21 ms of the client's time became 14.
    public static func identity(pipeline: String, block: CutBlock, targetLanguage: String) -> CompactID {
        var pipeline = pipeline
        var language = targetLanguage
        return pipeline.withUTF8 { pipeline in
            language.withUTF8 { language in
                block.identity.withDigits { digits in
                    idPrefix.withUTF8Buffer { prefix in
                        let count = prefix.count + pipeline.count + 1 + digits.count + 1 + language.count
                        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
                            var end = 0
                            func append(_ part: UnsafeBufferPointer<UInt8>, separated: Bool) {
                                if separated {
                                    buffer[end] = 0
                                    end += 1
                                }
                                _ = UnsafeMutableBufferPointer(rebasing: buffer[end...]).initialize(from: part)
                                end += part.count
                            }
                            append(prefix, separated: false)
                            append(pipeline, separated: false)
                            append(digits, separated: true)
                            append(language, separated: true)
                            return ContentHash.compact(of: UnsafeRawBufferPointer(buffer))
                        }
                    }
                }
            }
        }
    }

    /// `idText`'s opening, up to and including the separator before the pipeline.
    private static let idPrefix: StaticString = "tradu/v1\u{0}"

    init(identity: CompactID, pipeline: String, blockIdentity: CompactID, targetLanguage: String, ordinal: Int) {
        self.identity = identity
        self.pipeline = pipeline
        self.blockIdentity = blockIdentity
        self.targetLanguage = targetLanguage
        self.ordinal = ordinal
    }

    public init(id: String, pipeline: String, blockHash: String, targetLanguage: String, ordinal: Int) {
        self.identity = CompactID(id)
        self.pipeline = pipeline
        self.blockIdentity = CompactID(blockHash)
        self.targetLanguage = targetLanguage
        self.ordinal = ordinal
    }

    /// (pipeline name, block content hash, target language) → 32 hex characters.
    public static func id(pipeline: String, blockHash: String, targetLanguage: String) -> String {
        ContentHash.hex(of: idText(pipeline: pipeline, blockHash: blockHash, targetLanguage: targetLanguage))
    }

    private static func idText(pipeline: String, blockHash: String, targetLanguage: String) -> String {
        "tradu/v1\u{0}\(pipeline)\u{0}\(blockHash)\u{0}\(targetLanguage)"
    }
}
