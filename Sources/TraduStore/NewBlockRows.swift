import TraduCore

/// The blocks an apply adds, made into rows only as the COPY reads them: the plan's work items, with the spec
/// hash and priority of their pipeline. At millions of blocks a row materialised per block beside the plan's
/// items would be another gigabyte.
public struct NewBlockRows: Sendable, Sequence, ExpressibleByArrayLiteral {
    fileprivate enum Group: Sendable {
        case items(WorkItemList, specHash: String, priority: Int)
        case rows([BlockRow])
    }

    private var groups: [Group] = []
    /// Rows in all groups.
    public private(set) var count = 0

    public init() {}

    /// Rows as they are (tests, tools).
    public init(_ rows: [BlockRow]) {
        append(rows)
    }

    public init(arrayLiteral rows: BlockRow...) {
        self.init(rows)
    }

    public var isEmpty: Bool { count == 0 }

    /// A pipeline's items, stored with `specHash` and `priority`; the array is shared, not copied.
    public mutating func append(_ items: WorkItemList, specHash: String, priority: Int) {
        guard !items.isEmpty else { return }
        groups.append(.items(items, specHash: specHash, priority: priority))
        count += items.count
    }

    public mutating func append(_ rows: [BlockRow]) {
        guard !rows.isEmpty else { return }
        groups.append(.rows(rows))
        count += rows.count
    }

    public func makeIterator() -> Iterator {
        Iterator(groups: groups)
    }

    /// Walks the groups in order, making each row as it is asked for.
    public struct Iterator: IteratorProtocol {
        private let groups: [Group]
        private var group = 0
        private var position = 0

        fileprivate init(groups: [Group]) {
            self.groups = groups
        }

        public mutating func next() -> BlockRow? {
            while group < groups.count {
                switch groups[group] {
                case .rows(let rows) where position < rows.count:
                    position += 1
                    return rows[position - 1]
                case .items(let items, let specHash, let priority) where position < items.count:
                    let item = items[position]
                    position += 1
                    return BlockRow(
                        id: item.id, pipeline: item.pipeline, blockHash: item.blockHash,
                        targetLanguage: item.targetLanguage, ordinal: item.ordinal, specHash: specHash,
                        priority: priority)
                default:
                    group += 1
                    position = 0
                }
            }
            return nil
        }
    }
}
