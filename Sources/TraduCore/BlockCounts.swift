/// Blocks by state (of one pipeline, or of a whole environment): what status, progress and conditions are
/// computed from. States without blocks may be absent.
public typealias BlockCounts = [BlockState: Int]

extension Dictionary where Key == BlockState, Value == Int {
    /// Blocks in `state` (0 when absent).
    public func count(of state: BlockState) -> Int { self[state] ?? 0 }

    /// Every block counted.
    public var total: Int { values.reduce(0, +) }

    /// Blocks in a final state (`completed`, `failed`, `cancelled`).
    public var finalCount: Int { reduce(0) { $0 + ($1.key.isFinal ? $1.value : 0) } }

    /// Blocks not final yet: work remains.
    public var activeCount: Int { total - finalCount }

    /// The sum of several pipelines' counts.
    public static func sum(_ counts: some Sequence<BlockCounts>) -> BlockCounts {
        counts.reduce(into: BlockCounts()) { sum, counts in sum.merge(counts, uniquingKeysWith: +) }
    }
}
