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
