import Testing

@testable import TraduCore

@Suite struct StringRuleTests {
    @Test(arguments: ["a", "docs", "help-center", "a1", String(repeating: "a", count: 63)])
    func acceptsNames(name: String) {
        #expect(StringRule.name.violation(name) == nil)
    }

    @Test(arguments: ["", "A", "1a", "a-", "-a", "a_b", "a.b", String(repeating: "a", count: 64), "é"])
    func rejectsNames(name: String) {
        #expect(StringRule.name.violation(name) != nil)
    }

    @Test(arguments: ["en", "fr", "pt-BR", "zh-Hant", "es-419", "ast"])
    func acceptsLanguageTags(tag: String) {
        #expect(StringRule.language.violation(tag) == nil)
    }

    @Test(arguments: ["", "EN", "English", "e", "en-", "en_US", "pt-B"])
    func rejectsLanguageTags(tag: String) {
        #expect(StringRule.language.violation(tag) != nil)
    }

    @Test func checksURLsAndVariables() {
        #expect(StringRule.httpURL.violation("https://example.com/a?b") == nil)
        #expect(StringRule.httpURL.violation("ftp://example.com") != nil)
        #expect(StringRule.httpURL.violation("https://") != nil)
        #expect(StringRule.environmentVariable.violation("OPENAI_API_KEY") == nil)
        #expect(StringRule.environmentVariable.violation("1KEY") != nil)
        #expect(StringRule.labelKey.violation("app.kubernetes.io/name") == nil)
        #expect(StringRule.labelKey.violation("a/b/c") != nil)
    }
}
