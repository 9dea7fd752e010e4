import Testing
import TraduStore

@testable import TraduApp

/// `BlockLabelCache`: the event feed's memory of which pipeline and language a block belongs to.
@Suite struct BlockLabelCacheTests {
    let label = BlockLabel(pipeline: "docs", targetLanguage: "fr")

    @Test func aBlockSeenOnceIsFoundAgain() {
        var cache = BlockLabelCache(capacity: 4)
        #expect(cache.label("a") == nil)
        cache.insert("a", label)
        #expect(cache.label("a") == label)
    }

    @Test func itHoldsAtMostTwoGenerationsAndKeepsWhatIsStillAskedFor() {
        var cache = BlockLabelCache(capacity: 3)
        for id in ["a", "b", "c"] { cache.insert(id, label) }
        cache.insert("d", label)  // the first generation ages
        #expect(cache.count == 4)
        #expect(cache.label("a") == label)  // asked again: moves to the newer generation
        for id in ["e", "f"] { cache.insert(id, label) }  // the newer fills (d, a, e), then f ages it
        #expect(cache.count <= 6)
        #expect(cache.label("b") == nil)  // never asked again: dropped with its generation
        #expect(cache.label("a") == label)
        #expect(cache.label("f") == label)
    }
}
