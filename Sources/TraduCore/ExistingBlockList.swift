/// The environment's stored blocks as the planner holds them: 48 bytes a block (both identities' digits, the
/// ordinal, and the pipeline, language and spec hash as positions in small tables of names) in a `ChunkedArray`,
/// where an array of `ExistingBlock`s took 112 bytes a block and copied itself as it grew. A block that does not fit
/// (a hand-made identity that is not digits, an ordinal above 32 bits, more than 65,535 names) is kept whole.
public struct ExistingBlockList: Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    struct Entry: Sendable {
        var idHigh: UInt64
        var idLow: UInt64
        var blockHigh: UInt64
        var blockLow: UInt64
        var ordinal: UInt32
        var pipeline: UInt16
        var language: UInt16
        var specHash: UInt16
        var state: UInt8
    }

    /// `state` of an entry whose block is in `whole`.
    private static let keptWhole = UInt8.max
    private static let states = BlockState.allCases

    private var entries = ChunkedArray<Entry>()
    private var whole: [Int: ExistingBlock] = [:]
    private var names: [String] = []
    private var nameIndex: [String: UInt16] = [:]

    public init() {}

    public init(_ blocks: some Sequence<ExistingBlock>) {
        for block in blocks { append(block) }
    }

    public init(arrayLiteral blocks: ExistingBlock...) {
        self.init(blocks)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    public subscript(position: Int) -> ExistingBlock {
        let entry = entries[position]
        if entry.state == Self.keptWhole, let block = whole[position] { return block }
        return ExistingBlock(
            identity: .digest(entry.idHigh, entry.idLow), pipeline: names[Int(entry.pipeline)],
            blockIdentity: .digest(entry.blockHigh, entry.blockLow), targetLanguage: names[Int(entry.language)],
            specHash: names[Int(entry.specHash)], state: Self.states[Int(entry.state)], ordinal: Int(entry.ordinal))
    }

    /// The identity of the block at `position`, without making the block.
    public func identity(at position: Int) -> CompactID {
        let entry = entries[position]
        if entry.state == Self.keptWhole, let block = whole[position] { return block.identity }
        return .digest(entry.idHigh, entry.idLow)
    }

    public mutating func append(_ block: ExistingBlock) {
        guard case .digest(let idHigh, let idLow) = block.identity,
            case .digest(let blockHigh, let blockLow) = block.blockIdentity,
            block.ordinal >= 0, block.ordinal <= Int(UInt32.max),
            let pipeline = name(block.pipeline), let language = name(block.targetLanguage),
            let specHash = name(block.specHash), let state = Self.states.firstIndex(of: block.state)
        else {
            whole[entries.count] = block
            entries.append(
                Entry(
                    idHigh: 0, idLow: 0, blockHigh: 0, blockLow: 0, ordinal: 0, pipeline: 0, language: 0, specHash: 0,
                    state: Self.keptWhole))
            return
        }
        entries.append(
            Entry(
                idHigh: idHigh, idLow: idLow, blockHigh: blockHigh, blockLow: blockLow, ordinal: UInt32(block.ordinal),
                pipeline: pipeline, language: language, specHash: specHash, state: UInt8(state)))
    }

    /// The position of `text` in the names, added when new; nil when the table is full.
    private mutating func name(_ text: String) -> UInt16? {
        if let index = nameIndex[text] { return index }
        guard names.count < Int(UInt16.max) else { return nil }
        let index = UInt16(names.count)
        names.append(text)
        nameIndex[text] = index
        return index
    }
}
