import Foundation
import Testing

@testable import TraduAPI

/// The console's pure parts: escaping, throughput and ETA, timestamps, where a sign-in may lead.
@Suite struct ConsoleUnitTests {
    @Test func interpolatedTextIsEscapedAndOnlyHTMLGoesInAsMarkup() {
        let name = "<img src=x onerror=\"alert('x')\"> & co"
        let html: HTML = "<p title=\"\(name)\">\(name)</p>"
        #expect(
            html.text
                == "<p title=\"&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co\">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co</p>"
        )
        let inner: HTML = "<b>\(name)</b>"
        let outer: HTML = "<div>\(inner)</div>"
        #expect(outer.text.hasPrefix("<div><b>&lt;img"), "HTML goes in as markup, once escaped")
        #expect(([HTML("<i>a</i>"), HTML("<i>b</i>")] as [HTML]).joined(separator: ", ").text == "<i>a</i>, <i>b</i>")
    }

    @Test func throughputIsMeasuredOverTheLastMinuteOfReadings() {
        var window = ThroughputWindow()
        window.record(final: 0, at: 100)
        #expect(window.rate == nil, "one reading is no rate")
        window.record(final: 10, at: 100.5)
        #expect(window.rate == nil, "readings less than a second apart are no rate")
        window.record(final: 20, at: 102)
        #expect(window.rate == 10)
        #expect(window.secondsLeft(remaining: 50) == 5)
        window.record(final: 999, at: 101)
        #expect(window.rate == 10, "an older reading changes nothing")
        window.record(final: 30, at: 102)
        #expect(window.rate == 15, "the same counting replaces its reading")
        for second in 103...200 { window.record(final: 30 + (second - 102) * 2, at: Double(second)) }
        #expect(window.rate == 2, "only the last minute counts")
        #expect(window.readings.count <= 62)
        window.record(final: 5, at: 201)
        #expect(window.rate == nil, "a retry that takes blocks back starts the window again")
        #expect(window.secondsLeft(remaining: 0) == 0)
        window.record(final: 5, at: 210)
        #expect(window.rate == 0 && window.secondsLeft(remaining: 3) == nil, "no progress, no ETA")
    }

    @Test func timestampsAreReadAsTheStoreWritesThem() throws {
        let formatter = ISO8601DateFormatter()
        for text in ["2026-11-28T10:36:12Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2100-03-01T00:00:01Z"] {
            #expect(ConsoleFormat.seconds(text) == formatter.date(from: text)?.timeIntervalSince1970, "\(text)")
        }
        let fraction = try #require(ConsoleFormat.seconds("2026-11-28T10:36:12.731Z"))
        #expect(abs(fraction - (try #require(ConsoleFormat.seconds("2026-11-28T10:36:12Z"))) - 0.731) < 1e-6)
        for bad in ["", "2026-11-28", "2026-13-28T10:36:12Z", "2026-11-28T10:36:12+01:00", "yesterday at noon!!"] {
            #expect(ConsoleFormat.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func aSignInLeadsOnlyToThisConsole() {
        #expect(
            SignInPage.safeNext("/tradu/environments/dev/blocks?state=failed", basePath: "/tradu")
                == "/tradu/environments/dev/blocks?state=failed")
        for next in ["https://evil.example/", "//evil.example/", "/other/app", "/tradu\\@evil", nil] {
            #expect(SignInPage.safeNext(next, basePath: "/tradu") == "/tradu/", "\(String(describing: next))")
        }
        #expect(SignInPage.safeNext("//evil.example", basePath: "") == "/")
        #expect(
            ConsoleFormat.duration(seconds: 0.25) == "250 ms" && ConsoleFormat.duration(seconds: 200) == "3 min 20 s")
        #expect(ConsoleFormat.count(1_234_567) == "1,234,567")
    }
}

/// The style sheet's text colours against their backgrounds, in both themes: WCAG AA (4.5:1) or better.
@Suite struct ConsoleContrastTests {
    /// `--name: #rrggbb` pairs of the `:root` block that follows `marker`.
    static func palette(after marker: String) throws -> [String: [Double]] {
        let css = ConsoleAssets.css
        let start = try #require(css.range(of: marker)).upperBound
        let block = css[start...].prefix { $0 != "}" }
        var colours: [String: [Double]] = [:]
        for declaration in block.split(separator: ";") {
            let parts = declaration.split(separator: ":").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard parts.count == 2, parts[0].hasPrefix("--"), parts[1].hasPrefix("#"), parts[1].count == 7 else {
                continue
            }
            let hex = Array(parts[1].dropFirst())
            colours[String(parts[0].dropFirst(2))] = stride(from: 0, to: 6, by: 2).map {
                Double(Int(String(hex[$0..<$0 + 2]), radix: 16)!) / 255
            }
        }
        return colours
    }

    static func luminance(_ rgb: [Double]) -> Double {
        let linear = rgb.map { $0 <= 0.03928 ? $0 / 12.92 : pow(($0 + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    }

    static func contrast(_ a: [Double], _ b: [Double]) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    @Test func everyTextColourMeetsAAOnItsBackgroundsInBothThemes() throws {
        for marker in [":root {", "@media (prefers-color-scheme: dark) {\n  :root {"] {
            let colours = try Self.palette(after: marker)
            #expect(colours.count >= 20, "\(marker): \(colours.keys.sorted())")
            for text in ["fg", "muted", "accent", "good", "bad", "warn"] {
                for background in ["bg", "panel"] {
                    let ratio = Self.contrast(try #require(colours[text]), try #require(colours[background]))
                    #expect(ratio >= 4.5, "\(marker) --\(text) on --\(background): \(ratio)")
                }
            }
        }
    }
}
