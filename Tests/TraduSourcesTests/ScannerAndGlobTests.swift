import Testing

@testable import TraduSources

@Suite struct ScannerAndGlobTests {
    private func scan(_ line: String) -> String {
        var scanner = JSONRecordScanner(idField: "id", textField: "text")
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            switch scanner.scan(buffer) {
            case .blank: "blank"
            case .record(let id, let text): "\(id)=\(text)"
            case .invalid(let error): "error@\(error.offset): \(error.message)"
            }
        }
    }

    @Test(arguments: [
        (#"{"id":"1","text":"t"}"#, "1=t"),
        (#" { "text" : "t" , "id" : -0 } "#, "-0=t"),
        (#"{"id":1,"text":"t","x":[[],{},[{"a":[1e5,-2.5E-3,0.0]}],"\u00e9\n"]}"#, "1=t"),
        (#"{"id":"\u0041\uD834\uDD1E","text":"a\/b"}"#, "A𝄞=a/b"),
        ("   \t", "blank"),
        (#"{"id":01,"text":"t"}"#, "error@7: expected ',' or '}'"),
        (#"{"id":1,"text":"t",}"#, "error@19: expected a field name in quotes"),
        (#"{"id":1,"text":"t""#, "error@18: unexpected end of line; expected ',' or '}'"),
        (#"{"id":1,"text":"a\x"}"#, "error@17: invalid escape sequence in a string"),
        (#"{"id":1,"text":"a\u12"}"#, "error@17: invalid \\u escape (needs 4 hex digits)"),
        ("{\"id\":1,\"text\":\"a\tb\"}", "error@17: control character in a string (must be escaped)"),
        (#"{"id":1,"text":"t","x":tru}"#, "error@23: expected a value"),
        (#"{"id":1,"text":"t","x":1.}"#, "error@23: invalid number"),
        (#"{"id":1,"text":"t","x":-}"#, "error@23: invalid number"),
        (#"{"id":true,"text":"t"}"#, "error@6: field 'id' must be a string or an integer, got a boolean"),
        (#"{"id":"1","text":null}"#, "error@17: field 'text' must be a string, got null"),
        (#"{"id":"1","text":"\uDC00"}"#, "error@18: invalid \\u escape: unpaired low surrogate"),
        (#"{"id":"1"}"#, "error@0: record has no field 'text'"),
        (#"{"text":"1"}"#, "error@0: record has no field 'id'"),
        (#"{}"#, "error@0: record has no field 'id'"),
        (#"{"id":"1","text":"t"}{}"#, "error@21: unexpected data after the JSON object"),
    ])
    func scannerAcceptsAndRejects(line: String, expected: String) {
        #expect(scan(line) == expected)
    }

    @Test func scannerLimitsNesting() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(scan(#"{"id":1,"text":"t","x":"# + deep + "}").hasSuffix("nesting deeper than 256 levels"))
    }

    @Test func utf8ValidationFindsFirstBadByte() {
        let cases: [([UInt8], Int?)] = [
            (Array("plain ascii text, longer than eight".utf8), nil),
            (Array("é😀€".utf8), nil),
            ([0x61, 0xC0, 0x80], 1),  // overlong
            ([0x61, 0x62, 0xED, 0xA0, 0x80], 2),  // surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
            ([0x61, 0xE2, 0x82], 1),  // truncated
            (Array("12345678".utf8) + [0x80], 8),
        ]
        for (bytes, expected) in cases {
            #expect(bytes.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset($0) } == expected)
        }
    }

    @Test func globComponentMatching() {
        func matches(_ pattern: String, _ name: String) -> Bool {
            let scalars = Array(name.unicodeScalars)
            return GlobPattern.matches(Array(pattern.unicodeScalars), scalars, hiddenName: scalars.first == ".")
        }
        #expect(matches("*.txt", "a.txt"))
        #expect(matches("*", "é.txt"))
        #expect(matches("a*b*c", "aXXbYYbc"))
        #expect(matches("x?.txt", "xé.txt"))
        #expect(!matches("x?.txt", "x10.txt"))
        #expect(!matches("*.txt", ".hidden.txt"))
        #expect(matches(".*", ".hidden"))
        #expect(!matches("*.txt", "a.txt.bak"))
    }

    @Test func globstarMatchesAnyDepth() {
        let pattern = GlobPattern(components: ["**", "*.txt"])
        func accepts(_ path: [String]) -> Bool {
            pattern.accepts(path.reduce(pattern.initialStates) { pattern.step($0, name: $1) })
        }
        #expect(accepts(["a.txt"]))
        #expect(accepts(["x", "y", "a.txt"]))
        #expect(!accepts(["x", "a.md"]))
        #expect(!accepts([".git", "a.txt"]))
    }
}
