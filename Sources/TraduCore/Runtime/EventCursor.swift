/// Where a reader following an append-only, id-ordered table (`block_events`) stands, so that it sees every row
/// once even though ids are handed out at insert and rows become visible at commit: a transaction that took id 98
/// may commit after the one that took 99. Reading `id > last` alone would skip 98 for good.
///
/// The cursor reads past the highest id seen, and remembers the ids it skipped as *gaps*: ranges to look into
/// again until they fill (their transactions commit) or expire (they were rolled back, or a long transaction such
/// as a large apply took them: `expiry` bounds how long the reader waits for one).
public struct EventCursor: Sendable, Hashable {
    public struct Gap: Sendable, Hashable {
        public var ids: ClosedRange<Int64>
        /// When the gap was first seen, in the reader's clock (seconds).
        public var since: Double
    }

    /// The next read asks for ids above this.
    public private(set) var after: Int64
    /// Ranges of ids below `after` not seen yet, oldest first.
    public private(set) var gaps: [Gap] = []
    public let expiry: Double
    public let maxGaps: Int

    public init(after: Int64, expiry: Double = 600, maxGaps: Int = 64) {
        self.after = after
        self.expiry = expiry
        self.maxGaps = maxGaps
    }

    /// Takes the ids a read returned: new ones (above `after`) and ones found inside gaps, in any order. Returns
    /// the ids seen for the first time, in order: what the reader hands on.
    public mutating func received(_ ids: [Int64], now: Double) -> [Int64] {
        var fresh: [Int64] = []
        var found: [Int64] = []
        for id in ids.sorted() {
            if id > after {
                if id > after + 1 { gaps.append(Gap(ids: (after + 1)...(id - 1), since: now)) }
                after = id
                fresh.append(id)
            } else if gaps.contains(where: { $0.ids.contains(id) }) {
                found.append(id)
                fresh.append(id)
            }
        }
        if !found.isEmpty { gaps = gaps.flatMap { Self.remove(found, from: $0) } }
        expire(now: now)
        return fresh.sorted()
    }

    /// Drops gaps older than `expiry`, and the oldest beyond `maxGaps`.
    public mutating func expire(now: Double) {
        gaps.removeAll { now - $0.since > expiry }
        if gaps.count > maxGaps { gaps.removeFirst(gaps.count - maxGaps) }
    }

    /// The gap without the ids found in it: zero, one or several ranges.
    static func remove(_ found: [Int64], from gap: Gap) -> [Gap] {
        var pieces: [Gap] = []
        var start = gap.ids.lowerBound
        for id in found where gap.ids.contains(id) {
            if id > start { pieces.append(Gap(ids: start...(id - 1), since: gap.since)) }
            start = id + 1
        }
        if start <= gap.ids.upperBound { pieces.append(Gap(ids: start...gap.ids.upperBound, since: gap.since)) }
        return pieces
    }
}
