/// The work items of one of a pipeline's change lists (`+`, `-/+`, `~`). The planner's items are made from the
/// pipeline's cut blocks when asked for: a plan of millions of new blocks holds 24 bytes per item (its id's digits,
/// its block's position and its language's), not a `WorkItem` (96 bytes). Items given one by one (tests, other
/// callers) are kept as they are.
public struct WorkItemList: Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// One planned item: its id, and where its block and language are in the pipeline's lists.
    struct Entry: Sendable {
        var high: UInt64
        var low: UInt64
        var block: UInt32
        var language: UInt32
    }

    /// The pipeline's blocks and languages, shared with the desired pipeline (never copied).
    struct Source: Sendable {
        var pipeline: String
        var blocks: [CutBlock]
        var languages: [String]
    }

    private var source: Source?
    private var entries: [Entry] = []
    private var items: [WorkItem] = []

    public init() {}

    public init(_ items: [WorkItem]) {
        self.items = items
    }

    public init(arrayLiteral items: WorkItem...) {
        self.init(items)
    }

    /// An empty list whose items are made from `blocks` and `languages`.
    init(pipeline: String, blocks: [CutBlock], languages: [String]) {
        source = Source(pipeline: pipeline, blocks: blocks, languages: languages)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { source == nil ? items.count : entries.count }

    public subscript(position: Int) -> WorkItem {
        guard source != nil else { return items[position] }
        let entry = entries[position]
        return item(block: Int(entry.block), language: Int(entry.language), identity: .digest(entry.high, entry.low))
    }

    /// Adds the item of the source's block `block` in language `language`, whose id is `identity`.
    mutating func append(block: Int, language: Int, identity: CompactID) {
        guard case .digest(let high, let low) = identity, source != nil else {
            append(self.item(block: block, language: language, identity: identity))
            return
        }
        entries.append(Entry(high: high, low: low, block: UInt32(block), language: UInt32(language)))
    }

    public mutating func append(_ item: WorkItem) {
        if source != nil {
            items = Array(self)
            source = nil
            entries = []
        }
        items.append(item)
    }

    public mutating func reserveCapacity(_ count: Int) {
        if source != nil { entries.reserveCapacity(count) } else { items.reserveCapacity(count) }
    }

    private func item(block: Int, language: Int, identity: CompactID) -> WorkItem {
        guard let source else { preconditionFailure("a list without blocks has no block \(block)") }
        let cut = source.blocks[block]
        var item = WorkItem(
            identity: identity, pipeline: source.pipeline, blockIdentity: cut.identity,
            targetLanguage: source.languages[language], ordinal: cut.ordinal)
        item.characterCount = cut.characterCount
        return item
    }
}
