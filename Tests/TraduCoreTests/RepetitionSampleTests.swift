import Testing

@testable import TraduCore

@Suite struct RepetitionSampleTests {
    /// Repeats are counted by the characters they hold, as documents and as sentences, up to the sample's limit.
    @Test func countsRepeatedDocumentsAndSentencesByTheirCharacters() {
        var sample = RepetitionSample(limit: 3, splitsSentences: true)
        sample.add("Open the menu. Save the file.")
        sample.add("Open the menu. Close the window.")
        sample.add("Open the menu. Save the file.")
        sample.add("Never counted: past the limit.")
        #expect(sample.records == 3)
        #expect(sample.documentCharacters == 29 + 32 + 29)
        #expect(sample.repeatedDocumentCharacters == 29)
        #expect(sample.sentences == 6)
        #expect(sample.repeatedSentences == 3, "the first sentence twice, the second once")
        #expect(sample.servedShare(.document) == 29.0 / 90.0)
    }

    /// Texts repeat when their bytes do, as translation memory keys them: "é" composed and decomposed are one text
    /// to `String` equality, two to the memory, and two here. Characters are Unicode scalars.
    @Test func repeatsAreTheMemorysByteForByte() {
        var sample = RepetitionSample(limit: 10)
        sample.add("caf\u{E9}")
        sample.add("cafe\u{301}")
        #expect("caf\u{E9}" == "cafe\u{301}")
        #expect(sample.repeatedDocumentCharacters == 0)
        #expect(sample.documentCharacters == 4 + 5)
        sample.add("cafe\u{301}")
        #expect(sample.repeatedDocumentCharacters == 5)
    }
}
