import Testing

@testable import TraduCore

func records(_ range: Range<Int>, text: (Int) -> String = { "Document number \($0) has some text." }) -> [SourceRecord]
{
    range.map {
        SourceRecord(
            id: "doc-\($0)", text: text($0), location: SourceLocation(file: "d.jsonl", line: $0 + 1, column: 1))
    }
}

func cut(
    _ input: [SourceRecord], sizing: BlockSizing = BlockSizing(maxRecords: 20, maxBytes: 1 << 20), keep: Bool = false
)
    -> [CutBlock]
{
    var cutter = BlockCutter(sizing: sizing, keepsRecords: keep)
    var blocks: [CutBlock] = []
    for record in input { cutter.add(record) { blocks.append($0) } }
    if let last = cutter.finish() { blocks.append(last) }
    return blocks
}

@Suite struct BlockCutterTests {
    @Test func cuttingIsDeterministic() {
        let first = cut(records(0..<1000))
        let second = cut(records(0..<1000))
        #expect(first.map(\.hash) == second.map(\.hash))
        #expect(first.reduce(0) { $0 + $1.recordCount } == 1000)
        #expect(first.map(\.ordinal) == Array(0..<first.count))
    }

    @Test func blocksRespectBothLimits() {
        let blocks = cut(records(0..<2000), sizing: BlockSizing(maxRecords: 30, maxBytes: 600))
        #expect(blocks.allSatisfy { $0.recordCount <= 30 && $0.byteCount <= 600 })
        #expect(blocks.reduce(0) { $0 + $1.recordCount } == 2000)
    }

    @Test func aRecordLargerThanMaxBytesGetsABlockOfItsOwn() {
        let input = records(0..<5) { $0 == 2 ? String(repeating: "x", count: 5000) : "short" }
        let blocks = cut(input, sizing: BlockSizing(maxRecords: 100, maxBytes: 1024))
        let big = blocks.first { $0.firstRecordID == "doc-2" }
        #expect(big?.recordCount == 1)
        #expect(big?.lastRecordID == "doc-2")
    }

    @Test func appendingKeepsEveryBlockButTheLastPartialOne() {
        let before = cut(records(0..<1000))
        let after = cut(records(0..<1300))
        let kept = Set(after.map(\.hash))
        #expect(before.dropLast().allSatisfy { kept.contains($0.hash) })
        #expect(after.count > before.count)
    }

    @Test func editingOneDocumentChangesOnlyItsBlock() {
        let before = cut(records(0..<1000), keep: true)
        let after = cut(records(0..<1000) { $0 == 500 ? "An edited text." : "Document number \($0) has some text." })
        let changed = before.filter { !Set(after.map(\.hash)).contains($0.hash) }
        #expect(changed.count == 1)
        #expect(changed.first?.records?.contains("\"id\":\"doc-500\"") == true)
    }

    @Test func insertingInTheMiddleDisturbsOnlyNearbyBlocks() {
        let before = cut(records(0..<2000))
        let after = cut(records(0..<1000) + records(5000..<5010) + records(1000..<2000))
        let lost = Set(before.map(\.hash)).subtracting(after.map(\.hash))
        #expect(lost.count <= 3, "an insertion re-cut \(lost.count) blocks")
    }

    @Test func keptRecordsAreJSONLines() {
        let input = [
            SourceRecord(id: "a\"1", text: "line\nbreak", location: SourceLocation(file: "f", line: 1, column: 1))
        ]
        let blocks = cut(input, keep: true)
        #expect(blocks.first?.records == "{\"id\":\"a\\\"1\",\"text\":\"line\\nbreak\"}\n")
        #expect(blocks.first?.hash == cut(input).first?.hash, "keeping records does not change the identity")
    }

    @Test func countsCharactersNotBytes() {
        let input = [
            SourceRecord(id: "1", text: "héllo wörld", location: SourceLocation(file: "f", line: 1, column: 1))
        ]
        let block = cut(input).first
        #expect(block?.characterCount == 11)
        #expect(block?.byteCount == 13)
    }
}
