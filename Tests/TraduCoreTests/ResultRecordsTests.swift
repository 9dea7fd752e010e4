import Testing

@testable import TraduCore

/// A result's lines stored without their source get it back from the block's content, as the bytes a writer that
/// copied it produced (`BlockProcessor`'s: id, source, translation, each quoted by `JSONValue.appendQuoted`).
@Suite struct ResultRecordsTests {
    static let content = #"""
        {"id":"d-1","text":"Tab\there, \"quoted\", back\\slash, ünïcödé \u00e9"}
        {"id":"d\"2","text":"second"}

        """#

    /// What the writer that copied the source wrote for these documents.
    static func copied(_ id: String, _ source: String, _ translation: String) -> String {
        var line = "{\"id\":"
        JSONValue.appendQuoted(id, to: &line)
        line += ",\"source\":"
        JSONValue.appendQuoted(source, to: &line)
        line += ",\"translation\":"
        JSONValue.appendQuoted(translation, to: &line)
        return line + "}"
    }

    @Test func linesWithoutASourceGetTheirDocumentsText() {
        let stored = #"{"id":"d-1","translation":"Onglet\tici"}"# + "\n" + #"{"id":"d\"2","translation":"deux"}"# + "\n"
        let merged = ResultRecords.withSources(stored, content: Self.content)
        #expect(
            merged
                == Self.copied("d-1", "Tab\there, \"quoted\", back\\slash, ünïcödé é", "Onglet\tici") + "\n"
                + Self.copied("d\"2", "second", "deux") + "\n")
    }

    @Test func linesThatHaveASourceOrNoDocumentStayAsTheyAre() {
        let copied = Self.copied("d-1", "kept as stored", "x")
        let unknown = #"{"id":"d-3","translation":"y"}"#
        let notFlat = #"{"id":"d-1","translation":"z","tokens":3}"#
        let stored = [copied, unknown, notFlat, #"{"id":"d\"2","translation":"w"}"#].joined(separator: "\n")
        let merged = ResultRecords.withSources(stored, content: Self.content)
        // The last line had no newline after it, and gets none.
        #expect(merged == [copied, unknown, notFlat, Self.copied("d\"2", "second", "w")].joined(separator: "\n"))
        #expect(ResultRecords.withSources(stored, content: "") == stored)
        #expect(ResultRecords.withSources(stored, content: "not json\n") == stored)
    }

    /// The first line tells: a `source` member's boundary is there or not, whatever the strings hold.
    @Test func recordsLackTheirSourceWhenTheFirstLineHasNoSourceMember() {
        #expect(ResultRecords.lackSource(#"{"id":"d-1","translation":"says \","source\":\" here"}"#))
        #expect(ResultRecords.lackSource(#"{"id":"d","translation":""}"# + "\n" + Self.copied("e", "s", "t")))
        #expect(ResultRecords.lackSource(#"{"id":"d"}"#))
        #expect(!ResultRecords.lackSource(Self.copied("d-1", "s", "t") + "\n" + #"{"id":"e","translation":"u"}"#))
        #expect(!ResultRecords.lackSource(Self.copied("d\"2", "\"source\"", "t")))
        #expect(!ResultRecords.lackSource(""))
    }
}
