/// Finds an identity's position in a list the caller holds: an open-addressing table of 4-byte positions, where a
/// `[CompactID: Int]` took 32 bytes a slot (the identity and the position, both copied out of the list).
public struct IdentityIndex: Sendable {
    /// Position + 1 in each slot; 0 is an empty slot.
    private var slots: [UInt32]
    /// Identities indexed.
    public private(set) var count = 0

    /// Indexes `positions`, whose identities `identity` gives; the first of equal identities is found.
    public init(_ positions: some Collection<Int>, identity: (Int) -> CompactID) {
        var size = 16
        while size < positions.count + positions.count / 3 + 1 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        for position in positions {
            precondition(position >= 0 && position < Int(UInt32.max), "position \(position) does not fit the index")
            let key = identity(position)
            var slot = Self.hash(key) & (size - 1)
            var taken = false
            while slots[slot] != 0 {
                if identity(Int(slots[slot]) - 1) == key {
                    taken = true
                    break
                }
                slot = (slot + 1) & (size - 1)
            }
            if !taken {
                slots[slot] = UInt32(position + 1)
                count += 1
            }
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// The position of `key`, or nil.
    public func position(of key: CompactID, identity: (Int) -> CompactID) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while slots[slot] != 0 {
            let position = Int(slots[slot]) - 1
            if identity(position) == key { return position }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Digest bits are already uniform; other texts go through Swift's hasher (this table never leaves the process).
    private static func hash(_ key: CompactID) -> Int {
        switch key {
        case .digest(_, let low): Int(truncatingIfNeeded: low)
        case .text(let text): text.hashValue
        }
    }
}
