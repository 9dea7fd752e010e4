import TraduCore

/// The record ids a dataset's reader has seen, to catch duplicates, with the place each was first seen: 20 bytes a
/// slot of an open-addressing table, whatever the ids' length (a `[String: Int]` took 24 bytes a slot for ids of up
/// to 15 bytes, and a heap allocation more for each longer one: about 1 GB more at 10M UUIDs).
///
/// An id is held as the first 128 bits of its SHA-256, the standard block identities already rest on: two distinct
/// ids of one dataset would have to share them, about one chance in 10^25 at 10M records.
struct SeenRecordIDs {
    /// Slot halves of each id's digest; (0, 0) marks an empty slot (a digest of (0, 0) is held as (0, 1)).
    private var high: [UInt64]
    private var low: [UInt64]
    private var places: [UInt32]
    private(set) var count = 0

    init(capacity: Int = 1 << 10) {
        let slots = max(16, 1 << (Int.bitWidth - (max(capacity, 1) - 1).leadingZeroBitCount))
        high = [UInt64](repeating: 0, count: slots)
        low = [UInt64](repeating: 0, count: slots)
        places = [UInt32](repeating: 0, count: slots)
    }

    /// Records `id` as seen at `place`; when it was seen before, returns where, and keeps that first place.
    mutating func insert(_ id: String, place: UInt32) -> UInt32? {
        guard case .digest(let digestHigh, var digestLow) = ContentHash.compact(of: id) else {
            preconditionFailure("a SHA-256 digest is always digits")
        }
        if digestHigh == 0 && digestLow == 0 { digestLow = 1 }
        if let first = insert(high: digestHigh, low: digestLow, place: place) { return first }
        if count * 4 > high.count * 3 { grow() }
        return nil
    }

    private mutating func insert(high digestHigh: UInt64, low digestLow: UInt64, place: UInt32) -> UInt32? {
        let mask = high.count - 1
        var slot = Int(truncatingIfNeeded: digestLow) & mask
        while high[slot] != 0 || low[slot] != 0 {
            if high[slot] == digestHigh && low[slot] == digestLow { return places[slot] }
            slot = (slot + 1) & mask
        }
        high[slot] = digestHigh
        low[slot] = digestLow
        places[slot] = place
        count += 1
        return nil
    }

    /// Doubles the table (the old one is held until the new one is filled).
    private mutating func grow() {
        let (oldHigh, oldLow, oldPlaces) = (high, low, places)
        high = []
        low = []
        places = []
        self = SeenRecordIDs(capacity: oldHigh.count * 2)
        for slot in oldHigh.indices where oldHigh[slot] != 0 || oldLow[slot] != 0 {
            _ = insert(high: oldHigh[slot], low: oldLow[slot], place: oldPlaces[slot])
        }
    }
}
