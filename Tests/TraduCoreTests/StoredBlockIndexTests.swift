import Testing

@testable import TraduCore

/// The planner's compact forms of what the environment stores: they answer as the plain collections did.
@Suite struct StoredBlockIndexTests {
    static func stored(_ count: Int) -> [ExistingBlock] {
        (0..<count).map { index in
            ExistingBlock(
                id: ContentHash.hex(of: "item \(index)"), pipeline: index % 3 == 0 ? "translate" : "summarise",
                blockHash: ContentHash.hex(of: "block \(index)"), targetLanguage: ["fr", "de", "ja"][index % 3],
                specHash: index % 2 == 0 ? "spec-a" : "spec-b",
                state: BlockState.allCases[index % BlockState.allCases.count],
                ordinal: index)
        }
    }

    @Test func theListGivesBackEveryStoredBlockFromFortyEightBytesEach() {
        var blocks = Self.stored(1_000)
        // Hand-made identities and an ordinal above 32 bits are kept whole.
        blocks.append(
            ExistingBlock(
                id: "translate/h1/de", pipeline: "translate", blockHash: "h1", targetLanguage: "de", specHash: "s",
                state: .completed, ordinal: 3))
        blocks.append(
            ExistingBlock(
                id: ContentHash.hex(of: "far"), pipeline: "translate", blockHash: ContentHash.hex(of: "far block"),
                targetLanguage: "de", specHash: "s", state: .enqueued, ordinal: 1 << 40))
        let list = ExistingBlockList(blocks)
        #expect(Array(list) == blocks)
        #expect(list.indices.allSatisfy { list.identity(at: $0) == blocks[$0].identity })
        #expect(MemoryLayout<ExistingBlockList.Entry>.stride == 48)
    }

    @Test func theIndexFindsEachIdentityAndNothingElse() {
        let list = ExistingBlockList(Self.stored(5_000))
        let odd = list.indices.filter { $0 % 2 == 1 }
        let index = IdentityIndex(odd, identity: list.identity(at:))
        #expect(index.count == odd.count && !index.isEmpty)
        for position in list.indices {
            let found = index.position(of: list.identity(at: position), identity: list.identity(at:))
            #expect(found == (position % 2 == 1 ? position : nil))
        }
        #expect(index.position(of: "not-a-digest", identity: list.identity(at:)) == nil)
        #expect(IdentityIndex([Int](), identity: list.identity(at:)).isEmpty)
    }

    @Test func theSetAnswersAsASetDoesWithRepeatsAndTexts() {
        let identities = (0..<3_000).map { CompactID(ContentHash.hex(of: "content \($0 % 2_000)")) } + ["hand-made"]
        let set = IdentitySet(identities.shuffled())
        #expect(set.count == 2_001, "repeats counted once")
        #expect(identities.allSatisfy(set.contains))
        #expect(!set.contains(CompactID(ContentHash.hex(of: "content 2000"))) && !set.contains("other"))
        #expect(!IdentitySet().contains("hand-made") && IdentitySet().isEmpty)
    }
}
