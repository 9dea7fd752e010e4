import Foundation
import Testing
import TraduCore

/// `SentenceSplitter`: where sentences end and where they do not, and that joining gives back every byte.
@Suite struct SentenceSplitterTests {
    func sentences(_ text: String) -> [String] {
        let pieces = SentenceSplitter.split(text)
        #expect(SentenceSplitter.join(pieces) == text, "round trip")
        return pieces.filter { $0.kind == .sentence }.map(\.text)
    }

    @Test func sentencesEndAtTerminalPunctuationBeforeACapital() {
        #expect(
            sentences("It works. It is fast! Is it safe? Yes… Mostly.")
                == ["It works.", "It is fast!", "Is it safe?", "Yes…", "Mostly."])
        #expect(sentences("He said \"stop.\" Then he left.") == ["He said \"stop.\"", "Then he left."])
        #expect(sentences("(See the manual.) It helps.") == ["(See the manual.)", "It helps."])
        #expect(sentences("Wait... Then go.") == ["Wait...", "Then go."])
        #expect(sentences("Version 2 ships. 3 bugs remain.") == ["Version 2 ships.", "3 bugs remain."])
    }

    @Test func abbreviationsInitialsAndAcronymsDoNotEndSentences() {
        #expect(sentences("Ask Dr. Smith about it. Then rest.") == ["Ask Dr. Smith about it.", "Then rest."])
        #expect(sentences("Tools, e.g. Make and CMake, are supported.").count == 1)
        #expect(sentences("Written by J. R. R. Tolkien in the U.S. Today it sells.").count == 1)
        #expect(sentences("It ran from 500 B.C. to 500 A.D. The end.").count == 1, "conservative: acronyms never split")
        #expect(sentences("Files, logs, etc. Everything goes.") == ["Files, logs, etc.", "Everything goes."])
    }

    @Test func decimalsVersionsAndLowercaseContinuationsDoNotSplit() {
        #expect(sentences("Pi is 3.14159 and v1.2.3 is out.") == ["Pi is 3.14159 and v1.2.3 is out."])
        #expect(sentences("See example.com. it is lowercase after.").count == 1)
        #expect(sentences("The end.") == ["The end."])
    }

    @Test func paragraphsListsAndWrappedLines() {
        let text = """
            A library for parsing YAML documents,
            wrapped over two lines.

            Features:
             * fast parsing
             * small memory use
            1. First step
            2) Second step
            This package contains the development files.
            """
        #expect(
            sentences(text) == [
                "A library for parsing YAML documents,\nwrapped over two lines.", "Features:", "fast parsing",
                "small memory use", "First step", "Second step\nThis package contains the development files.",
            ])
    }

    @Test func whitespaceMarkersAndPunctuationOnlyLinesAreGaps() {
        let pieces = SentenceSplitter.split("  Hello there.\n\n  .\n - Item one.  ")
        #expect(
            pieces == [
                TextPiece(.gap, "  "), TextPiece(.sentence, "Hello there."), TextPiece(.gap, "\n\n  .\n - "),
                TextPiece(.sentence, "Item one."), TextPiece(.gap, "  "),
            ])
        #expect(SentenceSplitter.split("") == [])
        #expect(SentenceSplitter.split(" \n ") == [TextPiece(.gap, " \n ")])
    }

    @Test func placeholdersAndElementsNeverStraddleASplit() {
        #expect(sentences("Hello {{ user. Name }}. Welcome back.") == ["Hello {{ user. Name }}.", "Welcome back."])
        #expect(sentences("<b>First. Second.</b> Third.") == ["<b>First. Second.</b>", "Third."])
        #expect(
            sentences("<a href=\"x\">Go there. Now.</a> Then <br/>. Stop. Done.")
                == ["<a href=\"x\">Go there. Now.</a>", "Then <br/>.", "Stop.", "Done."])
    }

    @Test func scriptsWithoutSpacesOrCase() {
        #expect(sentences("これはペンです。あれは本です。") == ["これはペンです。", "あれは本です。"])
        #expect(sentences("Он пришёл. Она ушла.") == ["Он пришёл.", "Она ушла."])
    }

    /// Debian's package descriptions (this machine's dpkg database, and apt's English descriptions when present):
    /// text nobody here wrote. Every document comes back byte for byte, and repeated sentences are found.
    @Test func realCorpusRoundTripsByteForByte() throws {
        let documents = DebianDescriptions.load()
        try #require(documents.count > 100, "the dpkg database holds package descriptions")
        var sentenceCount = 0
        var distinct = Set<String>()
        for document in documents {
            let pieces = SentenceSplitter.split(document)
            #expect(SentenceSplitter.join(pieces) == document)
            for piece in pieces where piece.kind == .sentence {
                sentenceCount += 1
                distinct.insert(piece.text)
                #expect(piece.text.first?.isWhitespace == false && piece.text.last?.isWhitespace == false)
            }
        }
        #expect(sentenceCount > documents.count, "documents hold several sentences")
        #expect(distinct.count < sentenceCount, "some sentences repeat")
    }

    @Test func unitsTranslateEachDistinctTextOnceAndReassembleDocuments() {
        let units = TranslationUnits(
            [
                (id: "a", text: "Fast parser. This package contains the development files.\n"),
                (id: "b", text: "Slow parser.  This package contains the development files."),
            ], segmentation: .sentence)
        #expect(units.units.map(\.id) == ["s1", "s2", "s3"])
        #expect(units.units.map(\.document) == ["a", "a", "b"])
        #expect(units.units[2].description == "s3 (a sentence of b)")
        #expect(units.repeats == 1)
        let translations = [
            "Analyseur rapide.", " Ce paquet contient les fichiers de développement.\n", "Analyseur lent.",
        ]
        .map { units.normalized($0) }
        #expect(
            units.documents.map { units.translation(of: $0, translations) } == [
                "Analyseur rapide. Ce paquet contient les fichiers de développement.\n",
                "Analyseur lent.  Ce paquet contient les fichiers de développement.",
            ])
        let whole = TranslationUnits([(id: "a", text: "Same. "), (id: "b", text: "Same. ")], segmentation: .document)
        #expect(whole.units.map(\.id) == ["a"] && whole.units.map(\.text) == ["Same. "])
        #expect(whole.repeats == 1)
        #expect(whole.normalized(" x ") == " x ", "documents are taken as the engine gives them")
        // A repeat of the first unit found after others, and canonically equal texts as one unit.
        let later = TranslationUnits(
            [
                (id: "a", text: "X"), (id: "b", text: "Y"), (id: "c", text: "X"), (id: "d", text: "caf\u{E9}"),
                (id: "e", text: "cafe\u{301}"),
            ], segmentation: .document)
        #expect(later.units.map(\.id) == ["a", "b", "d"] && later.repeats == 2)
        #expect(later.documents.map { later.translation(of: $0, ["x", "y", "z"]) } == ["x", "y", "x", "z", "z"])
        let one = TranslationUnits([(id: "a", text: "Only")], segmentation: .document)
        #expect(one.units.map(\.id) == ["a"] && one.repeats == 0)
    }
}

/// Package descriptions from Debian: the installed packages' (`/var/lib/dpkg/status`, on every Debian machine),
/// plus apt's English descriptions of the whole archive when `apt-get update` fetched them.
enum DebianDescriptions {
    static func load(limit: Int = 5_000) -> [String] {
        guard let status = try? String(contentsOfFile: "/var/lib/dpkg/status", encoding: .utf8) else { return [] }
        var documents: [String] = []
        var current: [String]? = nil
        for line in status.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Description: ") {
                current = [String(line.dropFirst("Description: ".count)), ""]
            } else if var lines = current, line.hasPrefix(" ") {
                lines.append(line == " ." ? "" : String(line.dropFirst()))
                current = lines
            } else if let lines = current {
                documents.append(lines.joined(separator: "\n"))
                current = nil
                if documents.count == limit { break }
            }
        }
        return documents
    }
}
