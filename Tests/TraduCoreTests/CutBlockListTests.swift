import Testing

@testable import TraduCore

@Suite struct CutBlockListTests {
    @Test func aChunkedArrayHoldsWhatAnArrayHoldsAcrossChunks() {
        var chunked = ChunkedArray<Int>(chunkSize: 4)
        var plain: [Int] = []
        for value in 0..<10 {
            chunked.append(value * 3)
            plain.append(value * 3)
        }
        #expect(Array(chunked) == plain && chunked.count == 10)
        chunked[5] = -1
        plain[5] = -1
        #expect(Array(chunked) == plain)
        #expect(chunked[8] == 24 && chunked.last == 27)
        var copy = chunked
        copy.append(99)
        #expect(chunked.count == 10 && copy.count == 11, "a copy grows apart")
    }

    /// The list gives back the cutter's blocks as they were, without records, from 32 bytes a block.
    @Test func blocksComeBackAsTheCutterMadeThemFromThirtyTwoBytesEach() {
        var cutter = BlockCutter(sizing: BlockSizing(maxRecords: 3, maxBytes: 1 << 20), keepsRecords: true)
        var cut: [CutBlock] = []
        for index in 0..<500 {
            let record = SourceRecord(
                id: "doc-\(index)", text: "Text number \(index), with ünïcode.",
                location: SourceLocation(file: "d.jsonl", line: index + 1, column: 1))
            cutter.add(record) { cut.append($0) }
        }
        if let last = cutter.finish() { cut.append(last) }
        #expect(cut.allSatisfy { $0.records != nil })
        let list = CutBlockList(cut)
        let withoutRecords = cut.map { block in
            var block = block
            block.records = nil
            return block
        }
        #expect(Array(list) == withoutRecords)
        #expect(list.indices.allSatisfy { list.identity(at: $0) == cut[$0].identity })
        #expect(MemoryLayout<CutBlockList.Entry>.stride == 32)
    }

    /// What 32 bits cannot hold, or an ordinal that is not the block's position, is kept whole.
    @Test func aBlockThatDoesNotFitIsKeptWhole() {
        let huge = CutBlock(
            identity: CompactID("a1"), ordinal: 0, recordCount: 1, byteCount: 5_000_000_000,
            characterCount: 4_999_999_999, records: "x")
        let elsewhere = CutBlock(
            identity: CompactID("b2"), ordinal: 41, recordCount: 2, byteCount: 10, characterCount: 10, records: nil)
        let plain = CutBlock(
            identity: CompactID("c3"), ordinal: 2, recordCount: 3, byteCount: 7, characterCount: 6, records: nil)
        let list: CutBlockList = [huge, elsewhere, plain]
        var expected = huge
        expected.records = nil
        #expect(Array(list) == [expected, elsewhere, plain])
    }
}
