/// The work items of one of a pipeline's change lists (`+`, `-/+`, `~`). The planner's items are made from the
/// pipeline's cut blocks when asked for: a plan of millions of new blocks holds 8 bytes per item (its block's
/// position and its language's; the id, a hash of both, is computed again when the item is read), not a `WorkItem`
/// (96 bytes). Items given one by one (tests, other callers) are kept as they are.
public struct WorkItemList: Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// One planned item: where its block and language are in the pipeline's lists.
    struct Entry: Sendable {
        var block: UInt32
        var language: UInt32
    }

    /// The pipeline's blocks and languages, shared with the desired pipeline (never copied).
    struct Source: Sendable {
        var pipeline: String
        var blocks: CutBlockList
        var languages: [String]
    }

    private var source: Source?
    private var entries = ChunkedArray<Entry>()
    private var items: [WorkItem] = []

    public init() {}

    public init(_ items: [WorkItem]) {
        self.items = items
    }

    public init(arrayLiteral items: WorkItem...) {
        self.init(items)
    }

    /// An empty list whose items are made from `blocks` and `languages`.
    init(pipeline: String, blocks: CutBlockList, languages: [String]) {
        source = Source(pipeline: pipeline, blocks: blocks, languages: languages)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { source == nil ? items.count : entries.count }

    public subscript(position: Int) -> WorkItem {
        guard source != nil else { return items[position] }
        let entry = entries[position]
        return item(block: Int(entry.block), language: Int(entry.language))
    }

    /// The content identity of each item's block, in item order, without the item's id: what the spool looks
    /// up for an apply's new blocks, where making every item (a SHA-256 of its id text each) took a third of the
    /// time before the first row was copied.
    public var blockIdentities: BlockIdentities { BlockIdentities(list: self) }

    /// Each item's `blockIdentity`, read from the list's cut blocks when it has them.
    public struct BlockIdentities: Sendable, RandomAccessCollection {
        fileprivate let list: WorkItemList

        public var startIndex: Int { list.startIndex }
        public var endIndex: Int { list.endIndex }

        public subscript(position: Int) -> CompactID {
            guard let source = list.source else { return list.items[position].blockIdentity }
            return source.blocks.identity(at: Int(list.entries[position].block))
        }
    }

    /// Adds the item of the source's block `block` in language `language`.
    mutating func append(block: Int, language: Int) {
        guard source != nil, block <= Int(UInt32.max), language <= Int(UInt32.max) else {
            append(self.item(block: block, language: language))
            return
        }
        entries.append(Entry(block: UInt32(block), language: UInt32(language)))
    }

    public mutating func append(_ item: WorkItem) {
        if source != nil {
            items = Array(self)
            source = nil
            entries = ChunkedArray()
        }
        items.append(item)
    }

    /// The id of the item at `position`, without the rest of the item: what an apply sorts its new blocks by.
    public func identity(at position: Int) -> CompactID {
        guard let source else { return items[position].identity }
        let entry = entries[position]
        return WorkItem.identity(
            pipeline: source.pipeline, block: source.blocks[Int(entry.block)],
            targetLanguage: source.languages[Int(entry.language)])
    }

    /// The item at `position`, whose id `identity(at:)` gave, made without hashing it again.
    public func item(at position: Int, identity: CompactID) -> WorkItem {
        guard let source else { return items[position] }
        let entry = entries[position]
        return item(block: Int(entry.block), language: Int(entry.language), identity: identity)
    }

    private func item(block: Int, language: Int, identity: CompactID? = nil) -> WorkItem {
        guard let source else { preconditionFailure("a list without blocks has no block \(block)") }
        let cut = source.blocks[block]
        let language = source.languages[language]
        var item = WorkItem(
            identity: identity ?? WorkItem.identity(pipeline: source.pipeline, block: cut, targetLanguage: language),
            pipeline: source.pipeline, blockIdentity: cut.identity,
            targetLanguage: language, ordinal: cut.ordinal)
        item.characterCount = cut.characterCount
        return item
    }
}
