import Foundation
import Testing
import TraduCore

@testable import TraduApp

/// The spool keeps new blocks' records for the apply: it skips what the environment holds and what it holds already,
/// and gives back exactly the blocks asked for, in the order it read them.
@Suite struct BlockSpoolTests {
    static func blocks(_ prefix: String, _ count: Int) -> [CutBlock] {
        var cutter = BlockCutter(sizing: BlockSizing(maxRecords: 1, maxBytes: 1 << 20), keepsRecords: true)
        var blocks: [CutBlock] = []
        for index in 0..<count {
            let record = SourceRecord(
                id: "\(prefix)-\(index)", text: "Text \(index) of \(prefix).",
                location: SourceLocation(file: "\(prefix).jsonl", line: index + 1, column: 1))
            cutter.add(record) { blocks.append($0) }
        }
        return blocks
    }

    @Test func givesBackTheBlocksAskedForInOrderAndRefusesWhatItLacks() throws {
        let first = Self.blocks("a", 4)
        let second = Self.blocks("b", 3)
        let spool = try BlockSpool(known: [first[1].identity])
        for block in first { try spool.append(block, dataset: "a") }
        for block in second + [second[0]] { try spool.append(block, dataset: "b") }
        try spool.finishWriting()

        let asked = [second[2].identity, first[3].identity, first[0].identity, first[0].identity, second[0].identity]
        let cuts = ["a": CutBlockList(first), "b": CutBlockList(second)]
        let rows = try #require(spool.rows(asked, blocks: cuts))
        let read = Array(rows)
        try rows.verify()
        #expect(read.map(\.hash) == [first[0].hash, first[3].hash, second[0].hash, second[2].hash])
        #expect(read.map(\.dataset) == ["a", "a", "b", "b"])
        #expect(read[0].records == first[0].records && read[0].recordCount == 1)
        #expect(read[3].byteCount == second[2].byteCount)
        #expect(spool.rows([first[1].identity], blocks: cuts) == nil, "a block the environment holds was never spooled")
        #expect(spool.rows([CompactID("elsewhere")], blocks: cuts) == nil)
        #expect(
            spool.rows([first[0].identity], blocks: ["a": CutBlockList(first.prefix(2))]) == nil,
            "cuts it was not written with")
    }
}
