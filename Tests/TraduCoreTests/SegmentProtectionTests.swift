import Testing

@testable import TraduCore

@Suite struct SegmentProtectionTests {
    private func texts(_ text: String) -> [String] {
        SegmentProtection.tokens(in: text).map(\.text)
    }

    private func kinds(_ text: String) -> [ProtectedToken.Kind] {
        SegmentProtection.tokens(in: text).map(\.kind)
    }

    @Test func bracePlaceholders() {
        #expect(texts("Hello {name}, you have {0} new {{count}} items") == ["{name}", "{0}", "{{count}}"])
        #expect(
            texts("{{ user.name }} and {item-count} and {0,number}") == [
                "{{ user.name }}", "{item-count}", "{0,number}",
            ])
        #expect(kinds("{a}{{b}}") == [.placeholder, .placeholder])
    }

    @Test func bracesThatAreNotPlaceholders() {
        #expect(texts(#"JSON {"a": 1} and { spaced } and {} and {{}} and {unclosed"#).isEmpty)
        // A broken double brace still holds a single-brace placeholder.
        #expect(texts("{{name}") == ["{name}"])
    }

    @Test func printfSpecifiers() {
        #expect(
            texts("%s has %d files (%1$s, %2$d) at %.2f%% or %-5ld %@ %(name)s %*d")
                == ["%s", "%d", "%1$s", "%2$d", "%.2f", "%%", "%-5ld", "%@", "%(name)s", "%*d"])
        #expect(kinds("%s") == [.formatSpecifier])
    }

    @Test func percentSignsInProseAreNotSpecifiers() {
        #expect(texts("50% off, 100 % sure, 20%.").isEmpty)
    }

    @Test func tags() {
        #expect(
            texts(#"<b>bold</b> <a href="/x">link</a> line<br/>break <img src='a>b.png' alt="x" /> <ns:tag-1>"#)
                == [
                    "<b>", "</b>", #"<a href="/x">"#, "</a>", "<br/>", #"<img src='a>b.png' alt="x" />"#, "<ns:tag-1>",
                ])
        #expect(kinds("<i>") == [.tag])
    }

    @Test func anglesThatAreNotTags() {
        #expect(texts("a < b and c > d, 3<4, <3, <>, </ b>").isEmpty)
    }

    @Test func entities() {
        #expect(
            texts("Tom &amp; Jerry &copy; &#169; &#x1F600; &#XAB;") == [
                "&amp;", "&copy;", "&#169;", "&#x1F600;", "&#XAB;",
            ])
        #expect(kinds("&lt;") == [.entity])
        #expect(texts("R&D, & ; &#; &#x; &amp").isEmpty)
    }

    @Test func rangesAreUTF8Offsets() {
        let text = "Grüße {name}!"
        let token = SegmentProtection.tokens(in: text)[0]
        #expect(token.utf8Range == 8..<14)
        #expect(String(decoding: Array(text.utf8)[token.utf8Range], as: UTF8.self) == "{name}")
    }

    /// The scan skips eight bytes at a time to the next byte that can start a token: a token is found wherever it
    /// falls against those words, after ASCII or multi-byte text, and bytes that only look alike are skipped.
    @Test func findsATokenAtEveryOffset() {
        for token in ["{name}", "%s", "<b>", "&amp;"] {
            for filler in ["x", "ü", "日"] {
                for count in 0...17 {
                    let prefix = String(repeating: filler, count: count)
                    let text = prefix + token + String(repeating: filler, count: 17 - count)
                    let found = SegmentProtection.tokens(in: text)
                    #expect(found.map(\.text) == [token], "\(text)")
                    #expect(found.first?.utf8Range.lowerBound == prefix.utf8.count, "\(text)")
                }
            }
        }
        // Bytes one bit away from a token's start (`z`, `$`, `>`, `'`), a whole word of them and more.
        #expect(texts(String(repeating: "z$>'{;", count: 5) + " {x}") == ["{x}"])
    }

    @Test func aTranslationKeepingTokensInOrderPassesWithoutComparingCounts() {
        let source = "Hi {user}, <b>%d</b> new &amp; more"
        #expect(SegmentProtection.keepsTokensInOrder(source: source, translation: "Salut {user}, <b>%d</b> &amp; plus"))
        #expect(!SegmentProtection.keepsTokensInOrder(source: source, translation: "<b>%d</b> {user} &amp;"))
        #expect(!SegmentProtection.keepsTokensInOrder(source: source, translation: "Salut {user}, <b>%d</b>"))
        // Not byte for byte, yet the same tokens: the full comparison still passes them.
        #expect(!SegmentProtection.keepsTokensInOrder(source: "<br />", translation: "<br/>"))
        #expect(SegmentProtection.check(source: "<br /> {a}", translation: "<br/> {a}") == nil)
        #expect(SegmentProtection.check(source: source, translation: "Salut {user}, <b>%d</b>") != nil)
    }

    @Test func matchingTranslationPassesInAnyOrder() {
        let source = "<b>{user_name}</b> has %d new messages &amp; {{count}} likes"
        let translation = "{{count}} j'aime &amp; %d nouveaux messages pour <b>{user_name}</b>"
        #expect(SegmentProtection.check(source: source, translation: translation) == nil)
    }

    @Test func lostPlaceholderIsNamed() throws {
        let failure = try #require(
            SegmentProtection.check(source: "Hello {user_name}!", translation: "Bonjour !", segmentID: "doc-17"))
        #expect(failure.errorClass == .data)
        #expect(failure.message == "translation of doc-17 lost placeholder {user_name}")
    }

    @Test func inventedTagIsNamed() throws {
        let failure = try #require(SegmentProtection.check(source: "Hello", translation: "<i>Bonjour</i>"))
        #expect(failure.message == "translation invented tag <i>, invented tag </i>")
    }

    @Test func lostAndInventedSpecifiersAndEntities() throws {
        let failure = try #require(
            SegmentProtection.check(source: "%s &amp; %d", translation: "%s &amp; %s", segmentID: "s1"))
        #expect(failure.message == "translation of s1 lost format specifier %d, invented format specifier %s")
        let entity = try #require(SegmentProtection.check(source: "A &amp; B", translation: "A & B"))
        #expect(entity.message == "translation lost entity &amp;")
    }

    @Test func multiplicityCounts() throws {
        let failure = try #require(SegmentProtection.check(source: "{a} {a} {a}", translation: "{a}"))
        #expect(failure.message == "translation lost placeholder {a} (2 times)")
    }

    @Test func attributeValuesMustBeIdentical() throws {
        let failure = try #require(
            SegmentProtection.check(source: #"<a href="/x">x</a>"#, translation: #"<a href="/y">y</a>"#))
        #expect(failure.message == #"translation lost tag <a href="/x">, invented tag <a href="/y">"#)
        // Whitespace between attributes is not significant; inside values it is.
        #expect(SegmentProtection.check(source: #"<br/><a  href = "/x">"#, translation: #"<br /><a href="/x">"#) == nil)
        #expect(SegmentProtection.check(source: #"<a title="a b">"#, translation: #"<a title="a  b">"#) != nil)
    }

    @Test func longListsAreCapped() throws {
        let source = (0..<15).map { "{p\($0)}" }.joined(separator: " ")
        let failure = try #require(SegmentProtection.check(source: source, translation: ""))
        #expect(failure.message.hasSuffix("lost placeholder {p9} and 5 more"))
    }
}
