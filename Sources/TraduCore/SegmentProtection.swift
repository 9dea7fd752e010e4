/// A span of a segment that a translation must carry over unchanged: a placeholder (`{name}`, `{0}`,
/// `{{count}}`), a printf format specifier (`%s`, `%1$s`, `%.2f`, `%%`), an HTML/XML tag (`<b>`, `</b>`,
/// `<a href="/x">`, `<br/>`) or a character entity (`&amp;`, `&#169;`, `&#x1F600;`).
public struct ProtectedToken: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case placeholder
        case formatSpecifier = "format specifier"
        case tag
        case entity
    }

    public var kind: Kind
    /// The token exactly as written.
    public var text: String
    /// Where the token is, as byte offsets into the text's UTF-8 view.
    public var utf8Range: Range<Int>

    public init(kind: Kind, text: String, utf8Range: Range<Int>) {
        self.kind = kind
        self.text = text
        self.utf8Range = utf8Range
    }

    /// `placeholder {user_name}`
    public var description: String { "\(kind.rawValue) \(text)" }

    /// What two tokens must share to count as the same: tags compare with the whitespace between their
    /// attributes normalised (`<br />` is `<br/>`), but with identical names and attribute values.
    var comparisonKey: String { kind == .tag ? SegmentScanner.canonicalTag(text) : text }
}

/// Finds the tokens a translation must keep and checks that it kept them. Pure and fast: it scans UTF-8
/// bytes, without regular expressions.
public enum SegmentProtection {
    /// The protected tokens of `text`, in order, never overlapping.
    public static func tokens(in text: String) -> [ProtectedToken] {
        var text = text
        return text.withUTF8 { bytes in
            SegmentScanner.scan(bytes).map { kind, range in
                ProtectedToken(kind: kind, text: String(decoding: bytes[range], as: UTF8.self), utf8Range: range)
            }
        }
    }

    /// Where the protected tokens of `text` are, as byte offsets into its UTF-8 view: `tokens(in:)` without
    /// building a string for each, for hot paths.
    public static func protectedRanges(in text: String) -> [Range<Int>] {
        var text = text
        return text.withUTF8 { bytes in SegmentScanner.scan(bytes).map(\.1) }
    }

    /// Compares the protected tokens of `source` and `translation` as multisets (the order may change).
    ///
    /// - Returns: nil when they match, otherwise a `data` failure naming every token lost or invented, such
    ///   as `translation of doc-17 lost placeholder {user_name}, invented tag <i>`.
    public static func check(source: String, translation: String, segmentID: String? = nil) -> BlockFailure? {
        if keepsTokensInOrder(source: source, translation: translation) { return nil }
        let expected = tokens(in: source)
        let actual = tokens(in: translation)
        let expectedCounts = counts(expected)
        let actualCounts = counts(actual)
        if expectedCounts == actualCounts { return nil }

        var problems: [String] = []
        for (token, missing) in differences(expected, expectedCounts, minus: actualCounts) {
            problems.append("lost \(describe(token, times: missing))")
        }
        for (token, extra) in differences(actual, actualCounts, minus: expectedCounts) {
            problems.append("invented \(describe(token, times: extra))")
        }
        let shown = problems.prefix(maxProblemsShown).joined(separator: ", ")
        let more = problems.count > maxProblemsShown ? " and \(problems.count - maxProblemsShown) more" : ""
        let subject = segmentID.map { "translation of \($0)" } ?? "translation"
        return BlockFailure(.data, "\(subject) \(shown)\(more)")
    }

    /// Whether `translation` holds the tokens of `source` byte for byte and in the same order: the usual answer,
    /// found without building a string or a count for any token (every translated document is checked).
    static func keepsTokensInOrder(source: String, translation: String) -> Bool {
        var source = source
        var translation = translation
        return source.withUTF8 { sourceBytes in
            translation.withUTF8 { translationBytes in
                let expected = SegmentScanner.scan(sourceBytes)
                let actual = SegmentScanner.scan(translationBytes)
                guard expected.count == actual.count else { return false }
                for (one, other) in zip(expected, actual) {
                    guard one.0 == other.0, sourceBytes[one.1].elementsEqual(translationBytes[other.1]) else {
                        return false
                    }
                }
                return true
            }
        }
    }

    private static let maxProblemsShown = 10
    private static let maxTokenShown = 80

    private struct Key: Hashable {
        var kind: ProtectedToken.Kind
        var text: String
    }

    private static func counts(_ tokens: [ProtectedToken]) -> [Key: Int] {
        var counts: [Key: Int] = [:]
        for token in tokens { counts[Key(kind: token.kind, text: token.comparisonKey), default: 0] += 1 }
        return counts
    }

    /// Tokens of `tokens` that occur more often than in `other`, by first appearance, with how many more.
    private static func differences(_ tokens: [ProtectedToken], _ counts: [Key: Int], minus other: [Key: Int])
        -> [(ProtectedToken, Int)]
    {
        var seen: Set<Key> = []
        var result: [(ProtectedToken, Int)] = []
        for token in tokens {
            let key = Key(kind: token.kind, text: token.comparisonKey)
            guard seen.insert(key).inserted else { continue }
            let surplus = (counts[key] ?? 0) - (other[key] ?? 0)
            if surplus > 0 { result.append((token, surplus)) }
        }
        return result
    }

    private static func describe(_ token: ProtectedToken, times: Int) -> String {
        let text = token.text.count > maxTokenShown ? String(token.text.prefix(maxTokenShown)) + "..." : token.text
        return "\(token.kind.rawValue) \(text)" + (times > 1 ? " (\(times) times)" : "")
    }
}

/// The byte-level scanner behind `SegmentProtection`.
enum SegmentScanner {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Longest token considered, so a stray `<` or `{` never makes the scan quadratic.
    static let maxTagBytes = 1024
    static let maxPlaceholderBytes = 128
    static let maxEntityBytes = 34

    static func scan(_ bytes: Bytes) -> [(ProtectedToken.Kind, Range<Int>)] {
        var found: [(ProtectedToken.Kind, Range<Int>)] = []
        var index = 0
        while true {
            index = nextTokenStart(bytes, from: index)
            guard index < bytes.count else { break }
            let match: (ProtectedToken.Kind, Int)?
            switch bytes[index] {
            case UInt8(ascii: "{"): match = placeholderEnd(bytes, from: index).map { (.placeholder, $0) }
            case UInt8(ascii: "%"): match = formatSpecifierEnd(bytes, from: index).map { (.formatSpecifier, $0) }
            case UInt8(ascii: "<"): match = tagEnd(bytes, from: index).map { (.tag, $0) }
            case UInt8(ascii: "&"): match = entityEnd(bytes, from: index).map { (.entity, $0) }
            default: match = nil
            }
            if let (kind, end) = match {
                found.append((kind, index..<end))
                index = end
            } else {
                index += 1
            }
        }
        return found
    }

    /// The first byte at or after `index` that can start a token (`{`, `%`, `<`, `&`), or the end. Eight bytes at
    /// a time: most of a text starts none, and every translated document is scanned three times.
    static func nextTokenStart(_ bytes: Bytes, from index: Int) -> Int {
        var index = index
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word.containsByte(UInt8(ascii: "{")) || word.containsByte(UInt8(ascii: "%"))
                    || word.containsByte(UInt8(ascii: "<")) || word.containsByte(UInt8(ascii: "&"))
                {
                    break
                }
                index += 8
            }
        }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: "&"): return index
            default: index += 1
            }
        }
        return index
    }

    // MARK: Placeholders

    /// `{{ name }}` (spaces allowed inside the double braces) or `{name}`, `{0}`, `{0,number}`.
    static func placeholderEnd(_ bytes: Bytes, from start: Int) -> Int? {
        let limit = min(bytes.count, start + maxPlaceholderBytes)
        if start + 1 < limit, bytes[start + 1] == UInt8(ascii: "{") {
            var index = start + 2
            var sawName = false
            while index + 1 < limit {
                let byte = bytes[index]
                if byte == UInt8(ascii: "}") {
                    return sawName && bytes[index + 1] == UInt8(ascii: "}") ? index + 2 : nil
                }
                if isNameByte(byte) {
                    sawName = true
                } else if byte != UInt8(ascii: " ") {
                    break
                }
                index += 1
            }
            // Not a `{{...}}`: it may still hold a `{name}` one byte later, which the caller finds next.
            return nil
        }
        var index = start + 1
        guard index < limit, isNameByte(bytes[index]) else { return nil }
        while index < limit {
            let byte = bytes[index]
            if byte == UInt8(ascii: "}") { return index + 1 }
            guard
                isNameByte(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "#")
            else { return nil }
            index += 1
        }
        return nil
    }

    // MARK: printf format specifiers

    /// `%%`, or `%` [`(name)` | index `$`] flags width [`.` precision] length conversion.
    static func formatSpecifierEnd(_ bytes: Bytes, from start: Int) -> Int? {
        var index = start + 1
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "%") { return index + 1 }
        if bytes[index] == UInt8(ascii: "(") {
            // Python's `%(name)s`.
            index += 1
            let nameStart = index
            while index < bytes.count, index - start < maxPlaceholderBytes, isNameByte(bytes[index]) { index += 1 }
            guard index > nameStart, index < bytes.count, bytes[index] == UInt8(ascii: ")") else { return nil }
            index += 1
        } else {
            // A positional index `1$`; digits without `$` are the width, parsed below.
            var digitsEnd = index
            while digitsEnd < bytes.count, isDigit(bytes[digitsEnd]) { digitsEnd += 1 }
            if digitsEnd > index, digitsEnd < bytes.count, bytes[digitsEnd] == UInt8(ascii: "$") {
                index = digitsEnd + 1
            }
        }
        while index < bytes.count, formatFlags.contains(bytes[index]) { index += 1 }
        index = skipNumberOrStar(bytes, from: index)
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index = skipNumberOrStar(bytes, from: index + 1)
        }
        while index < bytes.count, formatLengths.contains(bytes[index]) { index += 1 }
        guard index < bytes.count, formatConversions.contains(bytes[index]) else { return nil }
        return index + 1
    }

    // A space is a valid printf flag, but accepting it would turn "50% off" into a specifier.
    private static let formatFlags: Set<UInt8> = Set("-+#0'".utf8)
    private static let formatLengths: Set<UInt8> = Set("hlLqjzt".utf8)
    private static let formatConversions: Set<UInt8> = Set("diouxXeEfFgGaAcspn@".utf8)

    private static func skipNumberOrStar(_ bytes: Bytes, from start: Int) -> Int {
        if start < bytes.count, bytes[start] == UInt8(ascii: "*") { return start + 1 }
        var index = start
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index
    }

    // MARK: Tags

    /// `<name attributes>`, `<name/>`, `</name>`; quoted attribute values may hold `>`.
    static func tagEnd(_ bytes: Bytes, from start: Int) -> Int? {
        let limit = min(bytes.count, start + maxTagBytes)
        var index = start + 1
        let closing = index < limit && bytes[index] == UInt8(ascii: "/")
        if closing { index += 1 }
        guard index < limit, isLetter(bytes[index]) else { return nil }
        while index < limit, isTagNameByte(bytes[index]) { index += 1 }
        guard index < limit else { return nil }
        let afterName = bytes[index]
        guard afterName == UInt8(ascii: ">") || isSpace(afterName) || (!closing && afterName == UInt8(ascii: "/"))
        else { return nil }
        var quote: UInt8? = nil
        while index < limit {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: ">") {
                return index + 1
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                if closing { return nil }
                quote = byte
            } else if byte == UInt8(ascii: "<") {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// A tag with the whitespace outside attribute values normalised: runs become one space, and none is
    /// kept around `=` or before `>` and `/>`.
    static func canonicalTag(_ tag: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(tag.utf8.count)
        var quote: UInt8? = nil
        var pendingSpace = false
        for byte in tag.utf8 {
            if let open = quote {
                output.append(byte)
                if byte == open { quote = nil }
                continue
            }
            if isSpace(byte) {
                pendingSpace = true
                continue
            }
            if pendingSpace, output.last != UInt8(ascii: "="),
                byte != UInt8(ascii: "="), byte != UInt8(ascii: ">"), byte != UInt8(ascii: "/")
            {
                output.append(UInt8(ascii: " "))
            }
            pendingSpace = false
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { quote = byte }
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Entities

    /// `&name;`, `&#169;`, `&#x1F600;`.
    static func entityEnd(_ bytes: Bytes, from start: Int) -> Int? {
        let limit = min(bytes.count, start + maxEntityBytes)
        var index = start + 1
        guard index < limit else { return nil }
        let accepts: (UInt8) -> Bool
        if bytes[index] == UInt8(ascii: "#") {
            index += 1
            if index < limit, bytes[index] == UInt8(ascii: "x") || bytes[index] == UInt8(ascii: "X") {
                index += 1
                accepts = isHexDigit
            } else {
                accepts = isDigit
            }
        } else {
            guard isLetter(bytes[index]) else { return nil }
            accepts = { isLetter($0) || isDigit($0) }
        }
        let bodyStart = index
        while index < limit, accepts(bytes[index]) { index += 1 }
        guard index > bodyStart, index < limit, bytes[index] == UInt8(ascii: ";") else { return nil }
        return index + 1
    }

    // MARK: Byte classes

    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    /// Letters, digits, `_`, `.`, `-`: the characters of placeholder names like `user.name` or `item-count`.
    static func isNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
    }

    static func isTagNameByte(_ byte: UInt8) -> Bool {
        isNameByte(byte) || byte == UInt8(ascii: ":")
    }
}
