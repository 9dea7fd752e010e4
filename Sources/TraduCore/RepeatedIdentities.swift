/// Finds identities that repeat an earlier one without a set of every identity (at 10M blocks a set costs about
/// 40 bytes an entry): it sorts a 64-bit key of each (8 bytes an entry), and compares whole identities only among
/// the few whose keys collide.
public enum RepeatedIdentities {
    /// Positions whose identity an earlier position already has; usually empty.
    public static func laterPositions(_ identities: some Collection<CompactID>) -> Set<Int> {
        var keys = identities.map(key)
        keys.sort()
        var colliding = Set<UInt64>()
        for index in keys.indices.dropFirst() where keys[index] == keys[index - 1] { colliding.insert(keys[index]) }
        guard !colliding.isEmpty else { return [] }
        keys = []
        var seen = Set<CompactID>()
        var repeated = Set<Int>()
        for (position, identity) in identities.enumerated() where colliding.contains(key(identity)) {
            if !seen.insert(identity).inserted { repeated.insert(position) }
        }
        return repeated
    }

    private static func key(_ identity: CompactID) -> UInt64 {
        switch identity {
        case .digest(let high, _): high
        case .text(let text): ContentHash.fnv1a(text)
        }
    }
}
