import Testing
import TraduCore
import TraduYAML

@Suite struct YAMLTagTests {
    @Test func explicitCoreTagsAreHonoured() throws {
        let root = try loadOne(
            """
            a: !!str 123
            b: !!int "42"
            c: !!float 1
            d: !!bool "false"
            e: !!null ""
            f: !!map {x: 1}
            g: !!seq [1]
            h: ! 12
            i: !!str
            """)
        #expect(root["a"]?.value == .string("123"))
        #expect(root["b"]?.value == .int(42))
        #expect(root["c"]?.value == .float(1))
        #expect(root["d"]?.value == .bool(false))
        #expect(root["e"]?.value == .null)
        #expect(root["f"]?["x"]?.value == .int(1))
        #expect(root["g"]?.elements?.count == 1)
        #expect(root["h"]?.value == .string("12"))
        #expect(root["i"]?.value == .string(""))
    }

    @Test func valueThatDoesNotMatchItsTagIsAnError() {
        let error = loadError("a: 1\nb: !!int abc\n")
        #expect(error?.message == "'abc' is not a valid !!int value")
        #expect(position(error?.range?.start) == "2:4")
        #expect(loadError("b: !!bool yes")?.message == "'yes' is not a valid !!bool value")
        #expect(loadError("b: !!int 99999999999999999999") != nil)
        #expect(loadError("b: !!map x")?.message == "tag !!map cannot be used on a scalar")
        #expect(loadError("b: !!seq {a: 1}")?.message == "tag !!seq cannot be used on a mapping")
        #expect(loadError("b: !!map [1]")?.message == "tag !!map cannot be used on a list")
    }

    @Test func unknownTagsAreErrorsWithPosition() {
        let error = loadError("a:\n  b: !secret x\n")
        #expect(error?.message == "unknown tag '!secret'")
        #expect(position(error?.range?.start) == "2:6")
        #expect(loadError("a: !!binary aGVsbG8=")?.message == "unknown tag '!!binary'")
        #expect(loadError("a: !custom [1]")?.message == "unknown tag '!custom'")
    }
}
