/// The checks every answer passes before its block completes (DESIGN §4), besides placeholders and markup
/// (`SegmentProtection`). A failure is a `data` error naming the document, retried as the retry policy says.
public struct OutputChecks: Sendable, Hashable {
    /// The translation equals the source. Only prose counts: a source with fewer than `untranslatedMinLetters`
    /// letters, a single word (no whitespace: a name, an identifier, a URL, a path), or one whose non-blank
    /// characters are less than half letters (code, numbers) may legitimately come back unchanged; so may any
    /// text when source and target share their primary language (`en` → `en-GB`). The price of the single-word
    /// rule: a sentence in a script written without spaces (Chinese, Japanese, Thai) is not checked.
    public var untranslated: Bool
    public var untranslatedMinLetters: Int
    /// A non-blank source translated to nothing (or only whitespace).
    public var empty: Bool
    /// characters(translation) / characters(source) outside [min, max], for sources of at least
    /// `untranslatedMinLetters` letters (short strings vary too much to judge).
    public var lengthRatio: ClosedRange<Double>?
    public var placeholders: Bool
    public var markup: Bool

    public init(
        untranslated: Bool = true, untranslatedMinLetters: Int = 20, empty: Bool = true,
        lengthRatio: ClosedRange<Double>? = 0.2...5, placeholders: Bool = true, markup: Bool = true
    ) {
        self.untranslated = untranslated
        self.untranslatedMinLetters = untranslatedMinLetters
        self.empty = empty
        self.lengthRatio = lengthRatio
        self.placeholders = placeholders
        self.markup = markup
    }

    /// A failed check: its name (the metric label) and the sentence for the block's error.
    public struct Problem: Sendable, Hashable {
        /// `untranslated`, `empty`, `lengthRatio`, `placeholders` or `markup`.
        public var check: String
        public var message: String
    }

    /// The first check `translation` fails, or nil.
    public func problem(
        source: String, translation: String, sourceLanguage: String, targetLanguage: String
    ) -> Problem? {
        let profile = TextProfile(source)
        if empty, !profile.isBlank, TextProfile.isBlank(translation) {
            return Problem(check: "empty", message: "the translation is empty")
        }
        let letters = profile.letters
        let isProse = letters >= untranslatedMinLetters && letters * 2 >= profile.visible && profile.hasWhitespace
        if untranslated, isProse, Self.primary(sourceLanguage) != Self.primary(targetLanguage),
            Self.trimmed(translation) == Self.trimmed(source)
        {
            return Problem(
                check: "untranslated",
                message: "the translation is the source text unchanged (\(letters) letters of \(sourceLanguage) prose)")
        }
        if let bounds = lengthRatio, letters >= untranslatedMinLetters {
            let ratio = Double(translation.unicodeScalarCount) / Double(max(profile.scalars, 1))
            if !bounds.contains(ratio) {
                let shown = (ratio * 100).rounded() / 100
                return Problem(
                    check: "lengthRatio",
                    message: "the translation is \(shown)× the source's length, outside [\(bounds.lowerBound),"
                        + " \(bounds.upperBound)]")
            }
        }
        guard placeholders || markup, let broken = SegmentProtection.check(source: source, translation: translation)
        else { return nil }
        let check = broken.message.contains("placeholder") ? "placeholders" : "markup"
        if check == "markup" && !markup || check == "placeholders" && !placeholders { return nil }
        return Problem(check: check, message: broken.message)
    }

    static func primary(_ language: String) -> Substring {
        language.split(separator: "-").first ?? Substring(language)
    }

    static func trimmed(_ text: String) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !TextProfile.isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !TextProfile.isWhitespace($0) })
        else { return "" }
        return Substring(scalars[first...last])
    }
}

/// What the checks need to know of a text, in one pass over its scalars. Every worker checks every segment it
/// translates, so ASCII (most of it) is classified without Unicode's property tables.
struct TextProfile {
    /// Alphabetic scalars.
    var letters = 0
    /// Scalars that are not whitespace.
    var visible = 0
    var hasWhitespace = false
    var scalars = 0

    var isBlank: Bool { visible == 0 }

    /// Whether `text` holds only whitespace, looking no further than its first visible scalar.
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(isWhitespace)
    }

    init(_ text: String) {
        for scalar in text.unicodeScalars {
            scalars += 1
            if Self.isWhitespace(scalar) {
                hasWhitespace = true
                continue
            }
            visible += 1
            if Self.isAlphabetic(scalar) { letters += 1 }
        }
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 0x20 || (0x09...0x0D).contains(value) }
        return scalar.properties.isWhitespace
    }

    static func isAlphabetic(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) }
        return scalar.properties.isAlphabetic
    }
}
