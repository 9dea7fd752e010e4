import Testing

@testable import TraduCore

@Suite struct JSONValueTests {
    @Test func escapesStringsAndKeepsOrder() {
        let value = JSONValue.object([
            ("b", .string("tab\tquote\"back\\slash\u{1}")), ("a", .array([.int(1), .double(1.5), .null, .bool(true)])),
        ])
        #expect(value.encoded() == #"{"b":"tab\tquote\"back\\slash\u0001","a":[1,1.5,null,true]}"#)
        #expect(value.encoded(sortedKeys: true).hasPrefix(#"{"a":"#))
    }

    @Test func prettyPrintsWithTwoSpaces() {
        let value = JSONValue.object([("a", .array([.int(1)])), ("b", .object([]))])
        #expect(value.encoded(pretty: true) == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
    }
}

@Suite struct JSONValueEqualityTests {
    @Test func objectsAreEqualWhateverTheOrderOfTheirMembers() {
        let a = JSONValue.object([("x", .int(1)), ("y", .array([.object([("p", .null), ("q", .bool(true))])]))])
        let b = JSONValue.object([("y", .array([.object([("q", .bool(true)), ("p", .null)])])), ("x", .int(1))])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(JSONValue.array([.int(1), .int(2)]) != .array([.int(2), .int(1)]), "arrays keep their order")
    }
}

@Suite struct JSONQuotingTests {
    /// Escapes at the start, between multi-byte scalars and at the end; runs kept whole between them.
    @Test func quotesWhatNeedsItAndKeepsTheRest() {
        let cases: [(String, String)] = [
            ("", #""""#), ("plain", #""plain""#), ("\"start", #""\"start""#), ("end\\", #""end\\""#),
            ("ü\nü", #""ü\nü""#), ("日\u{1}本\t👩‍👩‍👧\r", #""日\u0001本\t👩‍👩‍👧\r""#), ("\u{1F}\u{7F}", #""\u001f\#u{7F}""#),
        ]
        for (text, quoted) in cases {
            var out = "<"
            JSONValue.appendQuoted(text, to: &out)
            #expect(out == "<" + quoted, "\(text.debugDescription)")
        }
    }
}
