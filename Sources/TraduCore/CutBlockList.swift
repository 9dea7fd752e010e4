/// A dataset's cut blocks as the planner holds them: 32 bytes a block (its identity's digits and three counts; the
/// ordinal is the position) in a `ChunkedArray`, so that 10M blocks take 320 MB and growing never copies
/// what is already held (an array of `CutBlock`s took 72 bytes a block, and each doubling copied the whole).
/// Records are never kept. A block that does not fit (an ordinal that is not its position, a count above 32 bits)
/// is kept whole beside the chunks.
public struct CutBlockList: Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    struct Entry: Sendable {
        var identity: CompactID
        var recordCount: UInt32
        var byteCount: UInt32
        var characterCount: UInt32
    }

    /// `recordCount` of an entry whose block is in `whole`.
    private static let keptWhole = UInt32.max

    private var entries = ChunkedArray<Entry>()
    private var whole: [Int: CutBlock] = [:]

    public init() {}

    public init(_ blocks: some Sequence<CutBlock>) {
        for block in blocks { append(block) }
    }

    public init(arrayLiteral blocks: CutBlock...) {
        self.init(blocks)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    public subscript(position: Int) -> CutBlock {
        let entry = entries[position]
        if entry.recordCount == Self.keptWhole, let block = whole[position] { return block }
        return CutBlock(
            identity: entry.identity, ordinal: position, recordCount: Int(entry.recordCount),
            byteCount: Int64(entry.byteCount), characterCount: Int64(entry.characterCount), records: nil)
    }

    /// The identity of the block at `position`, without making the block.
    public func identity(at position: Int) -> CompactID {
        entries[position].identity
    }

    /// Adds `block` (without its records) at the end.
    public mutating func append(_ block: CutBlock) {
        let position = entries.count
        let fits =
            block.ordinal == position && block.recordCount < Int(Self.keptWhole) && block.byteCount >= 0
            && block.byteCount <= Int64(UInt32.max) && block.characterCount >= 0
            && block.characterCount <= Int64(UInt32.max)
        if !fits {
            var kept = block
            kept.records = nil
            whole[position] = kept
        }
        entries.append(
            Entry(
                identity: block.identity, recordCount: fits ? UInt32(block.recordCount) : Self.keptWhole,
                byteCount: fits ? UInt32(block.byteCount) : 0, characterCount: fits ? UInt32(block.characterCount) : 0))
    }
}
