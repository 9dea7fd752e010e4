import Testing

@testable import TraduCore

/// The document index's key, the ids read back from stored records, and the rows apply writes.
struct DocumentKeyTests {
    @Test func theKeyIsTheMD5PrefixPostgreSQLComputesToo() {
        // Python: int.from_bytes(hashlib.md5(id.encode()).digest()[:8], 'big', signed=True), and >> 52.
        #expect(DocumentKey(documentID: "doc-1").value == -3_837_919_450_108_823_640)
        #expect(DocumentKey(documentID: "doc-1").bucket == -853)
        #expect(DocumentKey(documentID: "docs/guide/intro.md").value == -4_574_735_935_326_502_358)
        #expect(DocumentKey(documentID: "é \"q\" 😀").value == 4_800_361_025_882_319_809)
        #expect(DocumentKey(documentID: "é \"q\" 😀").bucket == 1065)
        let buckets = (0..<5_000).map { DocumentKey(documentID: "doc-\($0)").bucket }
        #expect(buckets.allSatisfy { (-2048...2047).contains($0) })
        #expect(Set(buckets).count > 2_800, "5,000 ids spread over most of the 4,096 buckets")
    }

    @Test func idsAreReadBackFromRecordsAsTheCutterWritesThem() {
        var records = ""
        let ids = ["doc-1", "a \"quoted\" \\ id", "tab\tand\nnewline", "control \u{01}", "é 😀 中文", "docs/a.md", ""]
        for id in ids {
            records += "{\"id\":"
            JSONValue.appendQuoted(id, to: &records)
            records += ",\"text\":\"x\"}\n"
        }
        #expect(BlockRecordIDs.ids(in: records) == ids)
        #expect(BlockRecordIDs.keys(in: records) == ids.map(DocumentKey.init(documentID:)), "hashed from the bytes")
        #expect(BlockRecordIDs.ids(in: "") == [])
        // Escapes the cutter never writes, but JSON allows.
        #expect(BlockRecordIDs.ids(in: #"{"id":"\u00e9\/\ud83d\ude00\b","text":""}"#) == ["é/😀\u{08}"])
    }

    @Test func lineEndsAreFoundAtEveryOffsetOfAWord() {
        // Lines of every length from 10 to 50 bytes put each `\n` at each of the 8 offsets of a word several times.
        var records = ""
        let ids = (0..<41).map { "d\($0)" }
        for (length, id) in ids.enumerated() {
            records += "{\"id\":\"\(id)\",\"text\":\"\(String(repeating: "é", count: length))\"}\n"
        }
        #expect(BlockRecordIDs.ids(in: records) == ids)
        #expect(BlockRecordIDs.ids(in: String(records.dropLast())) == ids, "the last line without its newline")
    }

    @Test func recordsNotWrittenByTheCutterAreNotRead() {
        #expect(BlockRecordIDs.ids(in: #"{"text":"x","id":"a"}"#) == nil, "id must come first")
        #expect(BlockRecordIDs.ids(in: #"{"id":"unterminated"#) == nil)
        #expect(BlockRecordIDs.ids(in: #"{"id":"\x","text":""}"#) == nil, "a bad escape")
        #expect(BlockRecordIDs.ids(in: #"{"id":"\ud83d","text":""}"#) == nil, "a lone surrogate")
        #expect(BlockRecordIDs.keys(in: #"{"id":"\ud83d","text":""}"#) == nil)
        #expect(BlockRecordIDs.ids(in: "{\"id\":\"a\"}\nplain text\n") == nil)
    }

    /// A block hash (32 hex characters) made from a number.
    static func hex(_ number: Int) -> String {
        let digits = String(number, radix: 16)
        return "5eed" + String(repeating: "0", count: 28 - digits.count) + digits
    }

    @Test func aContentThatIsNotABlockHashIsNotFiled() {
        var rows = DocumentIndexRows()
        let notHex = rows.add(content: "content-1", documentIDs: ["a"])
        let uppercase = rows.add(content: String(repeating: "A", count: 32), documentIDs: ["a"])
        let hash = rows.add(content: Self.hex(1), documentIDs: ["a"])
        #expect(!notHex && !uppercase && hash)
        #expect(rows.drain().map { $0.content(at: 0) } == [Self.hex(1)])
    }

    @Test func rowsHoldAtMost64SortedKeysOfOneBucketAndDrainKeepsEveryDocument() {
        var rows = DocumentIndexRows()
        let ids = (0..<20_000).map { "doc-\($0)" }
        for (index, chunk) in stride(from: 0, to: ids.count, by: 50).enumerated() {
            rows.add(content: Self.hex(index), documentIDs: Array(ids[chunk..<chunk + 50]))
        }
        #expect(rows.documentCount == 20_000)
        let drained = rows.drain()
        #expect(rows.documentCount == 0 && rows.drain().isEmpty)
        #expect(
            drained.allSatisfy { $0.keys.count <= DocumentKey.keysPerRow && $0.keys.count * 16 == $0.contents.count })
        #expect(drained.allSatisfy { $0.keys == $0.keys.sorted() })
        #expect(drained.allSatisfy { row in row.keys.allSatisfy { DocumentKey(value: $0).bucket == row.bucket } })
        let filed = drained.flatMap { row in row.keys.indices.map { "\(row.keys[$0]):\(row.content(at: $0))" } }
        let expected = ids.enumerated().map { "\(DocumentKey(documentID: $1).value):\(Self.hex($0 / 50))" }
        #expect(filed.sorted() == expected.sorted(), "every document once, with its content")
    }
}
