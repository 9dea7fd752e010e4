import Testing
import TraduCore
import TraduYAML

@Suite struct YAMLLimitsTests {
    @Test func billionLaughsIsRejectedQuickly() {
        var text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ")
            text += "l\(level): &l\(level) [\(refs)]\n"
        }
        let error = loadError(text)
        #expect(error?.message.hasPrefix("too many nodes: more than 100000") == true)
        #expect(error?.range?.start.line == 5)
    }

    @Test func nodeLimitIsConfigurable() {
        let limits = YAMLLimits(maxNodes: 5)
        #expect(loadError("[1, 2, 3]", limits: limits) == nil)
        #expect(loadError("[1, 2, 3, 4, 5]", limits: limits) != nil)
    }

    @Test func deepNestingIsRejected() {
        let text = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let error = loadError(text)
        #expect(error?.message == "nesting is deeper than 64 levels")
        #expect(position(error?.range?.start) == "1:65")
        #expect(loadError(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) == nil)
    }

    @Test func nestingThroughAliasesCounts() {
        let limits = YAMLLimits(maxDepth: 4)
        #expect(loadError("a: &a [[1]]\nb: [*a]\n", limits: limits) == nil)
        let error = loadError("a: &a [[[1]]]\nb: [*a]\n", limits: limits)
        #expect(error?.message == "nesting is deeper than 4 levels")
        #expect(position(error?.range?.start) == "2:5")
    }

    @Test func oversizedInputIsRejected() {
        let error = loadError("a: 12345\n", limits: YAMLLimits(maxInputBytes: 4))
        #expect(error?.message == "file is too large: 9 bytes, the limit is 4")
    }
}
