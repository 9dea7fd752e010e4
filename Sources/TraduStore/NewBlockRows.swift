import TraduCore

/// The blocks an apply adds, made into rows only as the COPY reads them: the plan's work items, with the spec
/// hash and priority of their pipeline. At millions of blocks a row materialised per block beside the plan's
/// items would be another gigabyte.
public struct NewBlockRows: Sendable, Sequence, ExpressibleByArrayLiteral {
    fileprivate enum Group: Sendable {
        case items(WorkItemList, specHash: String, priority: Int)
        case rows([BlockRow])

        var count: Int {
            switch self {
            case .rows(let rows): rows.count
            case .items(let items, _, _): items.count
            }
        }

        /// The id of the row at `position`, without making the row.
        func identity(at position: Int) -> CompactID {
            switch self {
            case .rows(let rows): CompactID(rows[position].id)
            case .items(let items, _, _): items.identity(at: position)
            }
        }
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

    /// The rows in the order of their ids, as an apply adds them: blocks are numbered as they are added and
    /// scheduled in that order, so the blocks a run takes together have neighbouring ids and sit side by side in
    /// every B-tree keyed by the id (`docs/ARCHITECTURE.md`, "An apply adds its blocks in the order of their ids").
    public func inIDOrder() -> IDOrderedRows {
        IDOrderedRows(groups: groups, count: count)
    }

    /// The row at `position` of `group`, made as it is asked for (without hashing its id again when `identity`,
    /// the item's, is given).
    fileprivate static func row(_ group: Group, at position: Int, identity: CompactID? = nil) -> BlockRow {
        switch group {
        case .rows(let rows):
            return rows[position]
        case .items(let items, let specHash, let priority):
            let item = identity.map { items.item(at: position, identity: $0) } ?? items[position]
            return BlockRow(
                id: item.id, pipeline: item.pipeline, blockHash: item.blockHash, targetLanguage: item.targetLanguage,
                ordinal: item.ordinal, specHash: specHash, priority: priority)
        }
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
                if position < groups[group].count {
                    position += 1
                    return NewBlockRows.row(groups[group], at: position - 1)
                }
                group += 1
                position = 0
            }
            return nil
        }
    }

    /// `NewBlockRows` sorted by id. Sorts 24 bytes a row (the id's two halves and where the row is), not the rows:
    /// a row is made, from its sorted id, as the COPY reads it; at ten million blocks that is 240 MB beside the
    /// plan instead of a row each. Ids that are not tradu's 32 hex digits (rows made by hand) are sorted
    /// as their bytes, as the database's byte-order keys compare them.
    public struct IDOrderedRows: Sendable, Sequence {
        fileprivate struct Place: Sendable {
            var high: UInt64
            var low: UInt64
            var group: UInt32
            var position: UInt32
        }

        private let groups: [Group]
        private let places: [Place]
        /// Set instead of `places` when an id is not 32 hex digits.
        private let byText: [BlockRow]?

        fileprivate init(groups: [Group], count: Int) {
            self.groups = groups
            var places: [Place] = []
            places.reserveCapacity(count)
            var digitsOnly = true
            search: for (index, group) in groups.enumerated() {
                for position in 0..<group.count {
                    guard case .digest(let high, let low) = group.identity(at: position),
                        let group = UInt32(exactly: index), let position = UInt32(exactly: position)
                    else {
                        digitsOnly = false
                        break search
                    }
                    places.append(Place(high: high, low: low, group: group, position: position))
                }
            }
            if digitsOnly {
                places.sort { ($0.high, $0.low) < ($1.high, $1.low) }
                self.places = places
                byText = nil
            } else {
                self.places = []
                byText = IteratorSequence(NewBlockRows.Iterator(groups: groups)).sorted {
                    $0.id.utf8.lexicographicallyPrecedes($1.id.utf8)
                }
            }
        }

        public func makeIterator() -> AnyIterator<BlockRow> {
            if let byText { return AnyIterator(byText.makeIterator()) }
            var next = 0
            return AnyIterator { [groups, places] in
                guard next < places.count else { return nil }
                let place = places[next]
                next += 1
                return NewBlockRows.row(
                    groups[Int(place.group)], at: Int(place.position), identity: .digest(place.high, place.low))
            }
        }
    }
}
