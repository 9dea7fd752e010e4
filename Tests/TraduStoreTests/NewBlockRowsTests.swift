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

    /// An apply adds its blocks in the order of their ids: every row once, with its own pipeline, spec and
    /// priority, whichever group it came from.
    @Test func rowsInIDOrderAreEveryRowSortedByID() {
        var generator = SystemRandomNumberGenerator()
        func digits() -> String {
            String((0..<32).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
        }
        let items = (0..<200).map {
            WorkItem(id: digits(), pipeline: "translate", blockHash: digits(), targetLanguage: "fr", ordinal: $0)
        }
        let rows = (0..<50).map {
            BlockRow(
                id: digits(), pipeline: "other", blockHash: digits(), targetLanguage: "de", ordinal: $0,
                specHash: "spec-r", priority: 10)
        }
        var added = NewBlockRows()
        added.append(WorkItemList(Array(items.prefix(120))), specHash: "spec-a", priority: 70)
        added.append(rows)
        added.append(WorkItemList(Array(items.dropFirst(120))), specHash: "spec-b", priority: 20)

        let ordered = Array(added.inIDOrder())
        #expect(ordered.count == 250)
        #expect(ordered.map(\.id) == (items.map(\.id) + rows.map(\.id)).sorted())
        #expect(ordered.map(\.id) != Array(added).map(\.id), "the plan's order is not the ids' (else nothing is shown)")
        let byID = Dictionary(uniqueKeysWithValues: Array(added).map { ($0.id, $0) })
        for row in ordered {
            let original = byID[row.id]!
            #expect(
                row.pipeline == original.pipeline && row.specHash == original.specHash
                    && row.priority == original.priority && row.ordinal == original.ordinal
                    && row.blockHash == original.blockHash)
        }
        #expect(Array(NewBlockRows().inIDOrder()).isEmpty)
    }

    /// Ids that are not 32 hex digits (rows made by hand) are sorted by their bytes, as the database's keys are.
    @Test func idsThatAreNotDigitsAreSortedByTheirBytes() {
        var added = NewBlockRows()
        added.append([
            BlockRow(id: "b/h10", pipeline: "p", blockHash: "h10", targetLanguage: "fr", ordinal: 10, specHash: "s"),
            BlockRow(id: "b/h2", pipeline: "p", blockHash: "h2", targetLanguage: "fr", ordinal: 2, specHash: "s"),
        ])
        added.append(
            WorkItemList([
                WorkItem(id: "B/h1", pipeline: "p", blockHash: "h1", targetLanguage: "fr", ordinal: 1),
                WorkItem(
                    id: "0123456789abcdef0123456789abcdef", pipeline: "p", blockHash: "h0", targetLanguage: "fr",
                    ordinal: 0),
            ]), specHash: "s", priority: 50)
        #expect(
            Array(added.inIDOrder()).map(\.id) == ["0123456789abcdef0123456789abcdef", "B/h1", "b/h10", "b/h2"])
    }
}
