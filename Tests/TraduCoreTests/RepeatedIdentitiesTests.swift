import Testing

@testable import TraduCore

@Suite struct RepeatedIdentitiesTests {
    @Test func findsTheLaterOfEachRepeatAndNothingElse() {
        let digests = (0..<1000).map { ContentHash.compact(of: "block \($0)") }
        #expect(RepeatedIdentities.laterPositions(digests).isEmpty)
        var repeated = digests
        repeated.insert(digests[10], at: 500)
        repeated.append(digests[999])
        repeated.append(digests[10])
        #expect(RepeatedIdentities.laterPositions(repeated) == [500, 1001, 1002])
    }

    /// Identities whose first 64 bits collide but differ are not repeats; text identities are compared whole.
    @Test func collidingKeysAreComparedWhole() {
        let ids: [CompactID] = [.digest(7, 1), .digest(7, 2), .digest(7, 1), "h1", "h2", "h1"]
        #expect(RepeatedIdentities.laterPositions(ids) == [2, 5])
    }
}
