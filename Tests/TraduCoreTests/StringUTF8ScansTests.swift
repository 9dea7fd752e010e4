import Testing

@testable import TraduCore

@Suite struct StringUTF8ScansTests {
    static let texts = [
        "", "plain ASCII", "Zürich café naïve", "Ångström — “quoted” …", "日本語のテキスト", "emoji 👩‍👩‍👧 and 🇫🇷",
        "e\u{301} combining", "\u{10FFFF} last scalar", "tab\tnew\nline", String(repeating: "ü", count: 10_000),
    ]

    /// The byte count agrees with the standard library's scalar count, whatever the scripts (one to four bytes a
    /// scalar, combining marks and grapheme clusters of several scalars).
    @Test(arguments: texts) func countsScalarsAsTheStandardLibraryDoes(text: String) {
        #expect(text.unicodeScalarCount == text.unicodeScalars.count)
        // A substring's copy too (its own storage, starting mid-text).
        let tail = String(text.dropFirst(3))
        #expect(tail.unicodeScalarCount == tail.unicodeScalars.count)
    }

    /// Eight bytes at a time, then the tail: every length around a word and every place a NUL or a multi-byte
    /// scalar can fall, against the standard library.
    @Test func agreesWithTheStandardLibraryAtEveryOffset() {
        let pieces = ["a", "ü", "日", "👩", "\u{0}", "\u{80}", "\u{7FF}", "\u{800}", "\u{FFFF}"]
        for length in 0...20 {
            for piece in pieces {
                for position in 0...length {
                    let text =
                        String(repeating: "x", count: position) + piece
                        + String(repeating: "y", count: length - position)
                    #expect(text.unicodeScalarCount == text.unicodeScalars.count, "\(text.debugDescription)")
                    #expect(text.containsNUL == text.utf8.contains(0), "\(text.debugDescription)")
                }
            }
        }
    }

    @Test func countsTheNewlinesOfJSONLines() {
        #expect("".newlineCount == 0)
        #expect("{}".newlineCount == 0)
        #expect("{\"a\":\"ü\"}\n{\"b\":\"\\n\"}\n".newlineCount == 2, "an escaped newline is not a line")
        let long = String(repeating: "日本\n", count: 1_000)
        #expect(long.newlineCount == 1_000)
        #expect(String(long.dropFirst(3)).newlineCount == 999)
    }

    @Test func findsANULWhereverItIs() {
        #expect(!"no nul here, ü 日本".containsNUL)
        #expect("\u{0}".containsNUL)
        #expect("starts\u{0}".containsNUL && "\u{0}ends".containsNUL && "mid\u{0}dle ü".containsNUL)
        #expect(!Self.texts.contains { $0.containsNUL })
        // A scalar whose UTF-8 bytes are all non-zero is never taken for a NUL.
        #expect(!"\u{100}\u{10000}".containsNUL)
    }
}
