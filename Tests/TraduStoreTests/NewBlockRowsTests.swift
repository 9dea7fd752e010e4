import Testing
import TraduCore

@testable import TraduStore

/// The rows an apply adds are made from the plan's items as they are read: same rows, same order, same count as
/// materialised ones.
@Suite struct NewBlockRowsTests {
    @Test func itemsBecomeRowsWithTheirPipelinesSpecAndPriorityInOrder() {
        let items = (0..<3).map {
            WorkItem(id: "i\($0)", pipeline: "translate", blockHash: "h\($0)", targetLanguage: "fr", ordinal: $0)
        }
        var rows = NewBlockRows()
        rows.append(WorkItemList(items), specHash: "spec-a", priority: 70)
        rows.append([], specHash: "spec-b", priority: 10)
        rows.append([
            BlockRow(id: "r0", pipeline: "other", blockHash: "h9", targetLanguage: "de", ordinal: 9, specHash: "spec-c")
        ])
        rows.append(WorkItemList(Array(items.prefix(1))), specHash: "spec-d", priority: 20)
        #expect(rows.count == 5)
        #expect(!rows.isEmpty && NewBlockRows().isEmpty)
        let made = Array(rows)
        #expect(made.map(\.id) == ["i0", "i1", "i2", "r0", "i0"])
        #expect(made.map(\.specHash) == ["spec-a", "spec-a", "spec-a", "spec-c", "spec-d"])
        #expect(made.map(\.priority) == [70, 70, 70, 50, 20])
        #expect(made[1].blockHash == "h1" && made[1].ordinal == 1 && made[1].targetLanguage == "fr")
        // A second pass reads the same rows (the writer counts and copies).
        #expect(Array(rows).map(\.id) == made.map(\.id))
    }
}
