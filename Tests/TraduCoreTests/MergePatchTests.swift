import Testing

@testable import TraduCore

/// Small positioned nodes for tests that run without the YAML adapter.
func node(_ value: Node.Value, line: Int = 1, column: Int = 1) -> Node {
    Node(value, range: SourceRange(at: SourceLocation(file: "t.yaml", line: line, column: column)))
}

func mapping(_ pairs: [(String, Node)], line: Int = 1) -> Node {
    node(.mapping(pairs.map { Node.Entry(key: $0.0, keyRange: $0.1.range, value: $0.1) }), line: line)
}

@Suite struct MergePatchTests {
    @Test func mergesNestedMappingsReplacesScalarsAndDeletesNulls() {
        let target = mapping([
            ("model", node(.string("gpt-4o"))),
            ("rateLimit", mapping([("requestsPerMinute", node(.int(100))), ("tokensPerMinute", node(.int(5)))])),
            ("temperature", node(.float(0.2))),
        ])
        let patch = mapping([
            ("model", node(.string("gpt-4o-mini"), line: 9)),
            ("rateLimit", mapping([("requestsPerMinute", node(.int(300)))])),
            ("temperature", node(.null)),
            ("timeout", node(.string("5s"))),
        ])
        let result = MergePatch.apply(patch, to: target).json
        #expect(
            result.encoded(sortedKeys: true)
                == #"{"model":"gpt-4o-mini","rateLimit":{"requestsPerMinute":300,"tokensPerMinute":5},"timeout":"5s"}"#)
        // The replaced value keeps the patch's position: errors point at the override.
        #expect(MergePatch.apply(patch, to: target)["model"]?.location.line == 9)
    }

    @Test func aListIsReplacedWhole() {
        let target = mapping([("targetLanguages", node(.sequence([node(.string("fr")), node(.string("de"))])))])
        let patch = mapping([("targetLanguages", node(.sequence([node(.string("ja"))])))])
        #expect(MergePatch.apply(patch, to: target).json.encoded() == #"{"targetLanguages":["ja"]}"#)
    }
}
