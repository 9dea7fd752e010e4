import Testing

@testable import TraduCore

/// Cutter version 3: the environment's cut is kept (`BlockCutter.keptBoundaries`), so a change moves only the
/// block it falls in, at every position, while new data is cut by version 2's rule.
///
/// The tests that cut a corpus once per position are the heaviest of the whole suite (a minute of CPU in a debug
/// build): they yield between positions, so that the tests running beside them, some waiting on deadlines, are not
/// starved of the cooperative pool's threads (one per core) meanwhile.
@Suite struct KeptBoundariesTests {
    static let sizing = BlockSizing(maxRecords: 50, maxBytes: 1 << 20, cutter: 3)

    static func short(_ index: Int) -> String { "Package \(index) documentation." }

    /// Cuts `input` keeping `kept`, with the records, so that each block's last record can be read back.
    static func cutKeeping(
        _ input: [SourceRecord], kept: Set<String>, sizing: BlockSizing = sizing
    ) -> [CutBlock] {
        var cutter = BlockCutter(sizing: sizing, keepsRecords: true, keptBoundaries: kept)
        var blocks: [CutBlock] = []
        for record in input { cutter.add(record) { blocks.append($0) } }
        if let last = cutter.finish() { blocks.append(last) }
        return blocks
    }

    /// What an environment keeps of a cut: the last record of every block but the last.
    static func boundaries(_ blocks: [CutBlock]) -> Set<String> {
        Set(blocks.dropLast().compactMap { BlockRecordIDs.ids(in: $0.records ?? "")?.last })
    }

    static func record(_ id: String, _ text: String = "A record inserted later.") -> SourceRecord {
        SourceRecord(id: id, text: text, location: SourceLocation(file: "d.jsonl", line: 0, column: 1))
    }

    /// Blocks of `after` that `before` does not have, and blocks of `before` that `after` no longer has.
    static func changes(_ before: [CutBlock], _ after: [CutBlock]) -> (added: Int, removed: Int) {
        let old = Set(before.map(\.hash))
        let new = Set(after.map(\.hash))
        return (new.subtracting(old).count, old.subtracting(new).count)
    }

    @Test func aDatasetNeverCutIsCutAsVersion2Does() {
        let corpus = records(0..<20_000, text: Self.short)
        let version2 = cut(corpus, sizing: BlockSizing(maxRecords: 50, maxBytes: 1 << 20, cutter: 2))
        let version3 = Self.cutKeeping(corpus, kept: [])
        #expect(version3.map(\.hash) == version2.map(\.hash))
        let average = Double(version3.dropLast().reduce(0) { $0 + $1.recordCount }) / Double(version3.count - 1)
        #expect(average >= 37.5, "blocks average \(average) records of 50")
    }

    @Test func aDatasetThatFitsInOneBlockIsOneBlock() {
        let blocks = Self.cutKeeping(records(0..<50, text: Self.short), kept: [])
        #expect(blocks.map(\.recordCount) == [50])
    }

    @Test func anUnchangedDatasetKeepsEveryBlock() {
        let corpus = records(0..<20_000, text: Self.short)
        let first = Self.cutKeeping(corpus, kept: [])
        let again = Self.cutKeeping(corpus, kept: Self.boundaries(first))
        #expect(again.map(\.hash) == first.map(\.hash))
    }

    /// An environment cut by version 2 that moves to version 3 keeps every block: nothing is reprocessed.
    @Test func upgradingFromVersion2KeepsEveryBlock() {
        let corpus = records(0..<20_000, text: Self.short)
        var cutter = BlockCutter(sizing: BlockSizing(maxRecords: 50, maxBytes: 1 << 20, cutter: 2), keepsRecords: true)
        var version2: [CutBlock] = []
        for record in corpus { cutter.add(record) { version2.append($0) } }
        if let last = cutter.finish() { version2.append(last) }
        let upgraded = Self.cutKeeping(corpus, kept: Self.boundaries(version2))
        #expect(upgraded.map(\.hash) == version2.map(\.hash))
    }

    /// The bound, at every position of a 3,000-record corpus: one record inserted changes at most 3
    /// blocks (here: it replaces one block with one, or with two when that block was full).
    @Test func insertingOneRecordAnywhereChangesAtMostThreeBlocks() async {
        let corpus = records(0..<3_000, text: Self.short)
        let before = Self.cutKeeping(corpus, kept: [])
        let kept = Self.boundaries(before)
        var worst = (added: 0, removed: 0)
        var split = 0
        for position in 0...corpus.count {
            await Task.yield()
            var edited = corpus
            edited.insert(Self.record("new-\(position)"), at: position)
            let after = Self.cutKeeping(edited, kept: kept)
            let change = Self.changes(before, after)
            #expect(change.added + change.removed <= 3, "inserted at \(position): \(change)")
            #expect(after.allSatisfy { $0.recordCount <= 50 })
            worst = (max(worst.added, change.added), max(worst.removed, change.removed))
            if change.added == 2 { split += 1 }
        }
        #expect(worst.added == 2 && worst.removed == 1, "worst \(worst)")
        #expect(split > 0, "a full block must have overflowed somewhere")
    }

    /// The same in the middle of a 100,000-record corpus, and at 40 positions across it.
    @Test func insertingIntoALargeCorpusChangesAtMostThreeBlocks() async {
        let corpus = records(0..<100_000, text: Self.short)
        let before = Self.cutKeeping(corpus, kept: [])
        let kept = Self.boundaries(before)
        for position in [50_000] + Array(stride(from: 1_003, to: 100_000, by: 2_477)) {
            await Task.yield()
            var edited = corpus
            edited.insert(Self.record("new-\(position)"), at: position)
            let change = Self.changes(before, Self.cutKeeping(edited, kept: kept))
            #expect(change.added >= 1 && change.added <= 2 && change.removed == 1, "inserted at \(position): \(change)")
        }
    }

    /// Editing a record changes its block alone. Deleting one changes its block, or, when it ended its block, that
    /// block and the next, which join (and are cut again if together they outgrow the limits).
    @Test func deletingOrEditingARecordChangesOnlyItsNeighbourhood() async {
        let corpus = records(0..<3_000, text: Self.short)
        let before = Self.cutKeeping(corpus, kept: [])
        let kept = Self.boundaries(before)
        for position in stride(from: 0, to: corpus.count, by: 7) {
            await Task.yield()
            var shorter = corpus
            shorter.remove(at: position)
            let deleted = Self.changes(before, Self.cutKeeping(shorter, kept: kept))
            #expect(deleted.added <= 2 && deleted.removed <= 2, "deleted \(position): \(deleted)")
            var edited = corpus
            edited[position].text = "An edited description, twice as long as the one it replaces."
            let change = Self.changes(before, Self.cutKeeping(edited, kept: kept))
            #expect(change == (1, 1), "edited \(position): \(change)")
        }
    }

    /// The last block is not kept closed (the environment leaves out its end): appended records join it, and every
    /// other block stays.
    @Test func appendingReCutsOnlyTheLastBlock() {
        let before = Self.cutKeeping(records(0..<10_000, text: Self.short), kept: [])
        for count in [10_001, 10_020, 10_500] {
            let after = Self.cutKeeping(records(0..<count, text: Self.short), kept: Self.boundaries(before))
            let change = Self.changes(before, after)
            #expect(change.removed == 1, "appended \(count - 10_000): \(change)")
            #expect(Set(after.map(\.hash)).isSuperset(of: before.dropLast().map(\.hash)))
        }
    }

    /// Kept boundaries never stretch a block past the limits: a segment that outgrows them is cut again.
    @Test func aSegmentThatOutgrowsTheLimitsIsCutAgain() {
        let sizing = BlockSizing(maxRecords: 50, maxBytes: 2_000, cutter: 3)
        let corpus = records(0..<2_000, text: Self.short)
        let before = Self.cutKeeping(corpus, kept: [], sizing: sizing)
        var edited = corpus
        // Every record of the first block grows to 60 bytes: 50 of them no longer fit in 2,000 bytes.
        let firstBlock = before[0].recordCount
        for index in 0..<firstBlock { edited[index].text = String(repeating: "x", count: 60) }
        let after = Self.cutKeeping(edited, kept: Self.boundaries(before), sizing: sizing)
        #expect(after.allSatisfy { $0.byteCount <= 2_000 && $0.recordCount <= 50 })
        #expect(Set(after.map(\.hash)).isSuperset(of: before.dropFirst().dropLast().map(\.hash)))
    }

    @Test func skippedRecordsStillEndTheirSegment() {
        let corpus = records(0..<2_000, text: Self.short)
        let before = Self.cutKeeping(corpus, kept: [])
        let kept = Self.boundaries(before)
        // Erase the record that ends the third block: it is skipped, yet its boundary holds.
        let ending = BlockRecordIDs.ids(in: before[2].records ?? "")!.last!
        var cutter = BlockCutter(sizing: Self.sizing, keepsRecords: true, keptBoundaries: kept)
        var after: [CutBlock] = []
        for record in corpus {
            if record.id == ending {
                cutter.skip(record) { after.append($0) }
            } else {
                cutter.add(record) { after.append($0) }
            }
        }
        if let last = cutter.finish() { after.append(last) }
        #expect(Self.changes(before, after) == (1, 1))
    }

    /// An erased record that ended a block is left out of that block's content, so the environment keeps the record
    /// before it as the boundary: the erased one then opens the next segment and takes no room there, and a full
    /// next block stays as it is.
    @Test func anErasedRecordThatEndedABlockTakesNoRoomInTheNext() {
        let sizing = BlockSizing(maxRecords: 3, maxBytes: 1 << 20, cutter: 3)
        let corpus = records(0..<9, text: Self.short)
        let erased: Set<String> = ["doc-2"]
        // As the environment holds it: [0 1 (2 erased)] [3 4 5] [6 7 8], kept by their last stored records.
        let kept: Set<String> = ["doc-1", "doc-5"]
        var cutter = BlockCutter(sizing: sizing, keepsRecords: true, keptBoundaries: kept)
        var blocks: [CutBlock] = []
        for record in corpus {
            if erased.contains(record.id) {
                cutter.skip(record) { blocks.append($0) }
            } else {
                cutter.add(record) { blocks.append($0) }
            }
        }
        if let last = cutter.finish() { blocks.append(last) }
        #expect(
            blocks.map { BlockRecordIDs.ids(in: $0.records ?? "") ?? [] } == [
                ["doc-0", "doc-1"], ["doc-3", "doc-4", "doc-5"], ["doc-6", "doc-7", "doc-8"],
            ])
    }

    @Test func versions1And2IgnoreKeptBoundaries() {
        let corpus = records(0..<2_000, text: Self.short)
        let sizing = BlockSizing(maxRecords: 50, maxBytes: 1 << 20, cutter: 2)
        let plain = cut(corpus, sizing: sizing)
        let kept = Self.boundaries(Self.cutKeeping(corpus, kept: []))
        var cutter = BlockCutter(sizing: sizing, keptBoundaries: kept.union(["doc-7"]))
        #expect(cutter.keptBoundaries.isEmpty)
        var blocks: [CutBlock] = []
        for record in corpus { cutter.add(record) { blocks.append($0) } }
        if let last = cutter.finish() { blocks.append(last) }
        #expect(blocks.map(\.hash) == plain.map(\.hash))
    }
}
