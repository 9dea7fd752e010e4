import Testing
import TraduCore
import TraduSources

@Suite struct JSONLSourceTests {
    @Test func readsRecordsWithFileAndLine() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/data/docs.jsonl",
            """
            {"id": "a", "text": "Hello"}

            {"text": "World", "meta": {"tags": ["x", 1, 2.5e3, true, null], "deep": {}}, "id": 42}
               {"n": -0.5, "id":"c","text":""}  \r
            """)
        let (records, stream) = try await project.readAll(makeDataset(.path("data/docs.jsonl")))
        #expect(records.map(\.id) == ["a", "42", "c"])
        #expect(records.map(\.text) == ["Hello", "World", ""])
        #expect(records.map(\.location.line) == [1, 3, 4])
        #expect(records.allSatisfy { $0.location.file == "manifests/data/docs.jsonl" && $0.location.column == 1 })
        #expect(stream.skippedCount == 0)
    }

    @Test func customFieldsAndUnescaping() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/strings.jsonl",
            #"{"key": "k\u00e9y", "body": "line\nnext\t\"q\" \\ \/ \u00e9 \ud83d\ude00 déjà 😀 \u0041", "text": 1}"#
                + "\n"
                + #"{"k\u0065y": "escaped-key", "body": "plain"}"#)
        let dataset = makeDataset(.path("strings.jsonl"), idField: "key", textField: "body")
        let (records, _) = try await project.readAll(dataset)
        #expect(records.map(\.id) == ["kéy", "escaped-key"])
        #expect(records.first?.text == "line\nnext\t\"q\" \\ / é 😀 déjà 😀 A")
        #expect(records.last?.text == "plain")
    }

    @Test func byteOrderMarkAndLinesAcrossChunks() async throws {
        let project = try TestProject()
        // About 20 MiB: lines cross the reader's 4 MiB chunk boundaries, and one 5 MiB line makes it grow its
        // buffer.
        let filler = String(repeating: "abcdéfgh", count: 110)
        var text = ""
        for index in 0..<20_000 {
            text += #"{"id": \#(index), "text": "\#(filler)\#(index)"}"# + "\n"
        }
        text += #"{"id": "huge", "text": "\#(String(repeating: "x", count: 5 << 20))"}"#
        try project.write("manifests/big.jsonl", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        let (records, _) = try await project.readAll(makeDataset(.path("big.jsonl")))
        #expect(records.count == 20_001)
        #expect(records[0].id == "0")
        #expect(records[12_345].text == filler + "12345")
        #expect(records[12_345].location.line == 12_346)
        #expect(records.last?.id == "huge")
        #expect(records.last?.text.utf8.count == 5 << 20)
    }

    @Test func badRecordsAreSkippedWithLocations() async throws {
        let project = try TestProject()
        let lines: [String] = [
            #"{"id": "ok1", "text": "fine"}"#,
            #"{"id": "x", "text": "unterminated}"#,
            #"{"id": "no-text"}"#,
            #"{"id": "n", "text": 5}"#,
            #"{"id": "", "text": "empty id"}"#,
            #"{"id": "ok1", "text": "again"}"#,
            #"{"id": 1.5, "text": "float id"}"#,
            #"{"id": "s", "text": "\ud800 lone"}"#,
            #"{"id": "t", "text": "a"} trailing"#,
            #"["not", "an", "object"]"#,
            #"{"id": "d", "text": "a", "text": "b"}"#,
            #"{"id": "é", "text": "x", "m": [1, 2,]}"#,
            #"{"id": "ok2", "text": "fine too"}"#,
        ]
        var bytes = Array(lines.joined(separator: "\n").utf8)
        bytes += Array("\n{\"id\": \"u\", \"text\": \"bad ".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        try project.write("manifests/data/x.jsonl", bytes: bytes)
        let (records, stream) = try await project.readAll(
            makeDataset(.path("data/x.jsonl"), onInvalidRecord: .skip))
        #expect(records.map(\.id) == ["ok1", "ok2"])
        #expect(stream.skippedCount == 12)
        #expect(
            stream.skipped.map(\.description) == [
                "manifests/data/x.jsonl:2:21: error: unterminated string",
                "manifests/data/x.jsonl:3:1: error: record has no field 'text'",
                "manifests/data/x.jsonl:4:21: error: field 'text' must be a string, got a number",
                "manifests/data/x.jsonl:5:1: error: record has an empty id",
                "manifests/data/x.jsonl:6:1: error: duplicate id 'ok1' (first seen at line 1)",
                "manifests/data/x.jsonl:7:8: error: field 'id' must be a string or an integer, got a number with a fraction or exponent",
                "manifests/data/x.jsonl:8:22: error: invalid \\u escape: unpaired high surrogate",
                "manifests/data/x.jsonl:9:26: error: unexpected data after the JSON object",
                "manifests/data/x.jsonl:10:1: error: record is not a JSON object",
                "manifests/data/x.jsonl:11:26: error: field 'text' appears twice",
                "manifests/data/x.jsonl:12:37: error: expected a value",
                "manifests/data/x.jsonl:14:26: error: invalid UTF-8",
            ])
    }

    /// A NUL in a text (only a `\u0000` escape can put one there) is refused at plan time, where it is, like
    /// invalid UTF-8: at run time it would fail its whole block, good documents included.
    @Test func aNulInATextIsABadRecordAtItsColumn() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/data/x.jsonl",
            #"{"id": "a", "text": "fine"}"# + "\n" + #"{"id": "b", "text": "bad\u0000 byte"}"# + "\n"
                + #"{"id": "c", "text": "fine too"}"# + "\n")
        let (records, stream) = try await project.readAll(makeDataset(.path("data/x.jsonl"), onInvalidRecord: .skip))
        #expect(records.map(\.id) == ["a", "c"])
        #expect(
            stream.skipped.map(\.description) == [
                "manifests/data/x.jsonl:2:25: error: the text of record 'b' contains a NUL character (U+0000), which"
                    + " no engine can translate faithfully and PostgreSQL cannot store"
            ])
        let failing = try await project.reader(makeDataset(.path("data/x.jsonl"))).open()
        _ = try failing.next()
        #expect(throws: SourceError.self) { _ = try failing.next() }
    }

    @Test func failPolicyThrowsOnFirstBadRecord() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/data/x.jsonl", "{\"id\": 1, \"text\": \"a\"}\n{\"id\": 2}\n{\"id\": 3, \"text\": \"c\"}\n")
        let stream = try await project.reader(makeDataset(.path("data/x.jsonl"))).open()
        #expect(try stream.next()?.id == "1")
        let error = #expect(throws: SourceError.self) { _ = try stream.next() }
        #expect(error?.kind == .badRecord)
        #expect(error?.dataset == "docs")
        #expect(error?.description == "manifests/data/x.jsonl:2:1: error: record has no field 'text'")
        #expect(try stream.next() == nil)
    }

    @Test func skippedDiagnosticsAreCappedButCounted() async throws {
        let project = try TestProject()
        var text = ""
        for index in 1...250 { text += index.isMultiple(of: 2) ? "{\"id\": \(index), \"text\": \"t\"}\n" : "oops\n" }
        try project.write("manifests/x.jsonl", text)
        let (records, stream) = try await project.readAll(makeDataset(.path("x.jsonl"), onInvalidRecord: .skip))
        #expect(records.count == 125)
        #expect(stream.skippedCount == 125)
        #expect(stream.skipped.count == RecordStream.maxSkippedDiagnostics)
        #expect(stream.skipped.first?.description == "manifests/x.jsonl:1:1: error: record is not a JSON object")
    }

    @Test func globOfJSONLFilesChecksIDsAcrossFiles() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/parts/b.jsonl", "{\"id\": \"2\", \"text\": \"b\"}\n{\"id\": \"1\", \"text\": \"dup\"}\n")
        try project.write("manifests/parts/a.jsonl", "{\"id\": \"1\", \"text\": \"a\"}\n")
        try project.write("manifests/parts/notes.txt", "not matched")
        let (records, stream) = try await project.readAll(
            makeDataset(.glob("parts/*.jsonl"), onInvalidRecord: .skip))
        #expect(records.map(\.id) == ["1", "2"])
        #expect(records.map(\.location.file) == ["manifests/parts/a.jsonl", "manifests/parts/b.jsonl"])
        #expect(
            stream.skipped.map(\.description) == [
                "manifests/parts/b.jsonl:2:1: error: duplicate id '1' (first seen at manifests/parts/a.jsonl:1)"
            ])
    }

    /// Places are counted across the files: a file without records between two others, and lines past the first
    /// file's length, still name the file and line where an id was first seen.
    @Test func aDuplicateNamesItsFirstPlaceAcrossFilesOfEveryLength() async throws {
        let project = try TestProject()
        try project.write(
            "manifests/parts/a.jsonl", (1...5).map { "{\"id\": \"a\($0)\", \"text\": \"t\"}\n" }.joined())
        try project.write("manifests/parts/b.jsonl", "")
        try project.write(
            "manifests/parts/c.jsonl",
            "\n\n{\"id\": \"c1\", \"text\": \"t\"}\n{\"id\": \"a5\", \"text\": \"t\"}\n{\"id\": \"c1\", \"text\": \"t\"}\n"
        )
        let (records, stream) = try await project.readAll(
            makeDataset(.glob("parts/*.jsonl"), onInvalidRecord: .skip))
        #expect(records.map(\.id) == ["a1", "a2", "a3", "a4", "a5", "c1"])
        #expect(
            stream.skipped.map(\.description) == [
                "manifests/parts/c.jsonl:4:1: error: duplicate id 'a5' (first seen at manifests/parts/a.jsonl:5)",
                "manifests/parts/c.jsonl:5:1: error: duplicate id 'c1' (first seen at line 3)",
            ])
    }
}
