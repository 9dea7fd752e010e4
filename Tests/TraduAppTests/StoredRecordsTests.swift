import Testing
import TraduCore

@testable import TraduApp

/// A claimed block's documents, read from the JSON Lines the block cutter stored.
@Suite struct StoredRecordsTests {
    @Test func readsTheDocumentsTheCutterWrote() throws {
        let documents = [
            ("p-1", "Hello {name}"), ("p-2", "quote \" back\\slash\ttab\nnewline \u{1}"), ("p-3", "Grüße 日本 👩‍👩‍👧"),
            ("p-4", ""),
        ]
        var records = ""
        for (id, text) in documents {
            records += "{\"id\":"
            JSONValue.appendQuoted(id, to: &records)
            records += ",\"text\":"
            JSONValue.appendQuoted(text, to: &records)
            records += "}\n"
        }
        let segments = try BlockProcessor.segments(of: records)
        #expect(segments.map(\.id) == documents.map(\.0))
        #expect(segments.map(\.text) == documents.map(\.1))
    }

    /// A line of another shape (a number among the members, an escaped slash) goes to the general parser.
    @Test func readsOtherShapesThroughTheGeneralParser() throws {
        let segments = try BlockProcessor.segments(
            of: #"{"id":"a","n":1,"text":"one"}"# + "\n" + #"{"text":"two","id":"b","tags":["x"]}"# + "\n")
        #expect(segments.map(\.id) == ["a", "b"] && segments.map(\.text) == ["one", "two"])
    }

    @Test func refusesContentsThatAreNotRecords() {
        for records in [#"{"id":"a","text":"one"}"# + "\nnot json\n", #"{"id":"a"}"#, #"{"id":1,"text":"x"}"#] {
            #expect(throws: BlockFailure.self, "\(records)") { try BlockProcessor.segments(of: records) }
            do {
                _ = try BlockProcessor.segments(of: records)
            } catch {
                #expect(error.errorClass == .logic)
                #expect(error.message == "stored block contents are not valid JSON Lines")
            }
        }
    }
}
