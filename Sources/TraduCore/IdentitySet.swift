/// A set of identities read once and then only asked about: digests as sorted pairs of integers, 16 bytes each,
/// searched by bisection (a `Set<CompactID>` took about 40 bytes an identity at 10M). Other texts are kept as a set.
public struct IdentitySet: Sendable, Equatable, ExpressibleByArrayLiteral {
    private var digests: [Digest] = []
    private var texts: Set<String> = []
    private var sorted = true

    private struct Digest: Sendable, Comparable {
        var high: UInt64
        var low: UInt64

        static func < (a: Digest, b: Digest) -> Bool { (a.high, a.low) < (b.high, b.low) }
    }

    public init() {}

    public init(_ identities: some Sequence<CompactID>) {
        for identity in identities { insert(identity) }
        finish()
    }

    public init(arrayLiteral identities: CompactID...) {
        self.init(identities)
    }

    public var count: Int { digests.count + texts.count }
    public var isEmpty: Bool { count == 0 }

    /// Adds `identity`; `finish()` must follow the last insertion before `contains` is asked.
    public mutating func insert(_ identity: CompactID) {
        switch identity {
        case .digest(let high, let low):
            let digest = Digest(high: high, low: low)
            if let last = digests.last, !(last < digest) { sorted = false }
            digests.append(digest)
        case .text(let text):
            texts.insert(text)
        }
    }

    /// Sorts what was inserted and drops repeats.
    public mutating func finish() {
        guard !sorted else { return }
        digests.sort()
        var kept = 0
        for index in digests.indices where index == 0 || digests[index] != digests[kept - 1] {
            digests[kept] = digests[index]
            kept += 1
        }
        digests.removeLast(digests.count - kept)
        sorted = true
    }

    public func contains(_ identity: CompactID) -> Bool {
        precondition(sorted, "IdentitySet asked before finish()")
        switch identity {
        case .digest(let high, let low):
            let wanted = Digest(high: high, low: low)
            var low = 0
            var high = digests.count
            while low < high {
                let middle = (low + high) / 2
                if digests[middle] < wanted { low = middle + 1 } else { high = middle }
            }
            return low < digests.count && digests[low] == wanted
        case .text(let text):
            return texts.contains(text)
        }
    }
}
