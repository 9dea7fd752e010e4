/// An append-only array kept in chunks of a fixed size: growing never copies what is already held, and at most one
/// chunk is allocated beyond what is used. For the planner's per-block lists at millions of blocks, where an
/// array's doubling briefly holds the old and the new buffer (1.5 times the list) and leaves up to half of the new
/// one unused.
public struct ChunkedArray<Element>: RandomAccessCollection {
    /// Elements a chunk holds.
    public let chunkSize: Int
    private var chunks: [[Element]] = []
    public private(set) var count = 0

    /// - Parameter chunkSize: elements a chunk holds; a power of two keeps the index arithmetic cheap.
    public init(chunkSize: Int = 1 << 16) {
        precondition(chunkSize > 0, "a chunk holds at least one element")
        self.chunkSize = chunkSize
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < count, "element \(position) of \(count)")
            return chunks[position / chunkSize][position % chunkSize]
        }
        set {
            precondition(position >= 0 && position < count, "element \(position) of \(count)")
            chunks[position / chunkSize][position % chunkSize] = newValue
        }
    }

    public mutating func append(_ element: Element) {
        if count % chunkSize == 0 {
            chunks.append([])
            chunks[chunks.count - 1].reserveCapacity(chunkSize)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }
}

extension ChunkedArray: Sendable where Element: Sendable {}
