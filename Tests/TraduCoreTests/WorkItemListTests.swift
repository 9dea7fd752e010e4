import Testing

@testable import TraduCore

@Suite struct WorkItemListTests {
    /// The planner's compact items are the items `WorkItem` itself makes: same ids, blocks, languages, sizes.
    @Test func plannedItemsAreTheItemsWorkItemMakes() {
        let blocks = CutBlockList(cut(records(0..<200)))
        let languages = ["fr", "de"]
        var list = WorkItemList(pipeline: "translate", blocks: blocks, languages: languages)
        var expected: [WorkItem] = []
        for (position, block) in blocks.enumerated().reversed() {
            for (index, language) in languages.enumerated() {
                let item = WorkItem(pipeline: "translate", block: block, targetLanguage: language)
                list.append(block: position, language: index)
                expected.append(item)
            }
        }
        #expect(Array(list) == expected)
        #expect(list.count == blocks.count * 2)
        #expect(list.map(\.characterCount) == expected.map(\.characterCount))
        #expect(list.allSatisfy { $0.characterCount > 0 })
    }

    @Test func anItemGivenOneByOneKeepsTheOrder() {
        let blocks = CutBlockList(cut(records(0..<60)))
        var list = WorkItemList(pipeline: "p", blocks: blocks, languages: ["fr"])
        let first = WorkItem(pipeline: "p", block: blocks[0], targetLanguage: "fr")
        list.append(block: 0, language: 0)
        let other = WorkItem(id: "hand-made", pipeline: "p", blockHash: "h1", targetLanguage: "ja", ordinal: 7)
        list.append(other)
        #expect(Array(list) == [first, other])
        let literal: WorkItemList = [other]
        #expect(Array(literal) == [other] && WorkItemList().isEmpty)
    }

    /// An apply sorts its new blocks by id before it makes their rows: the id alone, and the item made from it,
    /// are what the list's own items are.
    @Test func anItemsIdentityAndTheItemMadeFromItAreTheItem() {
        let blocks = CutBlockList(cut(records(0..<50)))
        var list = WorkItemList(pipeline: "translate", blocks: blocks, languages: ["fr", "de"])
        for position in blocks.indices.reversed() { list.append(block: position, language: position % 2) }
        let other = WorkItem(id: "hand-made", pipeline: "p", blockHash: "h1", targetLanguage: "ja", ordinal: 7)
        for items in [list, [other]] as [WorkItemList] {
            for position in items.indices {
                let identity = items.identity(at: position)
                #expect(identity == items[position].identity)
                #expect(items.item(at: position, identity: identity) == items[position])
                #expect(items.item(at: position, identity: identity).characterCount == items[position].characterCount)
            }
        }
    }
}
