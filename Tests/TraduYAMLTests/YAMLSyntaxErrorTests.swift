import Testing
import TraduCore
import TraduYAML

@Suite struct YAMLSyntaxErrorTests {
    @Test func syntaxErrorHasPosition() {
        let error = loadError("kind: Job\nspec:\n  a: 1\n   b: 2\n")
        #expect(error?.description == "test.yaml:4:5: error: mapping values are not allowed in this context")
    }

    @Test func syntaxErrorMentionsContext() {
        let error = loadError("key: [1, 2\nother: 3\n")
        #expect(position(error?.range?.start) == "2:6")
        #expect(error?.message.contains("while parsing a flow sequence at 1:6") == true)
    }

    @Test func tabsAsIndentationAreAnError() {
        let error = loadError("spec:\n\tname: x\n")
        #expect(position(error?.range?.start) == "2:1")
        #expect(error?.message == "a tab character cannot indent YAML; use spaces")
    }

    @Test func invalidUTF8HasPosition() {
        let bytes = Array("a: ok\nb: caf".utf8) + [0xFF] + Array("\n".utf8)
        let error = loadError(bytes: bytes)
        #expect(error?.message == "invalid UTF-8 (byte 0xff)")
        #expect(position(error?.range?.start) == "2:7")
    }

    @Test func invalidUTF8AfterMultibyteCharactersCountsCharacters() {
        let bytes = Array("é: ü".utf8) + [0xC3, 0x28]
        let error = loadError(bytes: bytes)
        // The error points at the start of the broken sequence (0xC3), the 5th character, not at 0x28.
        #expect(error?.message == "invalid UTF-8 (bytes 0xc3 0x28 do not form a character)")
        #expect(position(error?.range?.start) == "1:5")
    }

    @Test func controlCharactersAreRejected() {
        let error = loadError("a: 1\nb: x\u{0}y\n")
        #expect(error?.message == "control character U+0000 is not allowed")
        #expect(position(error?.range?.start) == "2:5")
        #expect(loadError("a: \u{7}")?.message == "control character U+0007 is not allowed")
    }
}
