import Testing
import TraduCore
import TraduEngines

@Suite struct PseudoEngineTests {
    let engine = PseudoEngine()

    private func translate(_ text: String, to target: String = "fr") async throws -> String {
        let response = try await engine.translate(EngineFixtures.request([("s", text)], to: target))
        return try #require(response.translations["s"])
    }

    @Test func accentsLettersAndTagsTheTargetLanguage() async throws {
        let output = try await translate("Hello world")
        #expect(output.hasPrefix("[fr| Ĥéļļó ŵóŕļð "))
        #expect(output.hasSuffix("~]"))
        #expect(!output.dropFirst(4).contains { $0.isASCII && $0.isLetter })
    }

    /// Look-alikes of two and three UTF-8 bytes, each ASCII letter its own, other bytes as they are.
    @Test func replacesEveryASCIILetterWithItsLookAlike() async throws {
        #expect(try await translate("vxMm z!") == "[fr| ṽẋṀɱ ž! ~~~]")
        #expect(try await translate("AZaz09") == "[fr| ÁŽáž09 ~~]")
    }

    @Test func isDeterministicAndDependsOnTheTarget() async throws {
        let text = "Your order {order_id} ships on %s."
        let first = try await translate(text)
        #expect(try await translate(text) == first)
        let german = try await translate(text, to: "de")
        #expect(german != first)
        #expect(german.hasPrefix("[de| "))
    }

    @Test func keepsEveryProtectedTokenByteForByte() async throws {
        let text =
            #"<p class="intro">Hi {user_name}, {{count}} new &amp; %1$s at %.2f%% <a href="/inbox">inbox</a><br/></p>"#
        let output = try await translate(text)
        #expect(SegmentProtection.check(source: text, translation: output) == nil)
        for token in SegmentProtection.tokens(in: text) {
            #expect(output.contains(token.text), "\(token.text) was changed")
        }
    }

    @Test func expandsByAboutThirtyPercent() async throws {
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 20)
        let output = try await translate(text)
        // Without the "[fr| " prefix and the "]" suffix.
        let grown = Double(output.unicodeScalars.count - 6) / Double(text.unicodeScalars.count)
        #expect(grown > 1.25 && grown < 1.35)
    }

    @Test func keepsNonASCIITextAndEmptyText() async throws {
        #expect(try await translate("").isEmpty)
        let output = try await translate("Grüße 日本")
        #expect(output.contains("ü") && output.contains("日本"))
    }

    @Test func answersEverySegmentWithTokenEstimates() async throws {
        let segments = (0..<50).map { ("id-\($0)", "Segment number \($0)") }
        let response = try await engine.translate(EngineFixtures.request(segments))
        #expect(Set(response.translations.keys) == Set(segments.map(\.0)))
        #expect(response.inputTokens > 0 && response.outputTokens > response.inputTokens)
    }
}
