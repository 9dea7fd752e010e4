extension StringRule {
    /// Why `text` breaks this rule, or nil when it follows it.
    func violation(_ text: String) -> String? {
        switch self {
        case .any:
            return nil
        case .nonEmpty:
            if text.isEmpty { return "must not be empty" }
            if text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
                return "must not contain control characters"
            }
            return nil
        case .name:
            return StringRule.isName(text)
                ? nil
                : "'\(text)' is not a valid name: use lowercase letters, digits and '-', starting with a letter"
                    + " and ending with a letter or digit, at most 63 characters"
        case .language:
            return StringRule.isLanguage(text)
                ? nil : "'\(text)' is not a language tag such as 'en', 'fr', 'pt-BR' or 'zh-Hant'"
        case .environmentVariable:
            return StringRule.isEnvironmentVariable(text)
                ? nil : "'\(text)' is not an environment variable name such as 'OPENAI_API_KEY'"
        case .httpURL:
            return StringRule.isHTTPURL(text) ? nil : "'\(text)' is not an http:// or https:// URL"
        case .labelKey:
            return StringRule.isLabelKey(text)
                ? nil : "'\(text)' is not a valid label key: use letters, digits, '-', '_', '.' and one optional '/'"
        case .percentage:
            return StringRule.percentage(text) == nil
                ? "'\(text)' is not a percentage above 0 and at most 100, such as '5%' or '12.5%'" : nil
        }
    }

    /// The equivalent JSON Schema `pattern`, when there is one.
    var pattern: String? {
        switch self {
        case .any: nil
        case .nonEmpty: "^[^\\u0000-\\u0008\\u000b-\\u001f]+$"
        case .name: "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"
        case .language: "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
        case .environmentVariable: "^[A-Za-z_][A-Za-z0-9_]*$"
        case .httpURL: "^https?://[^\\s/?#]+[^\\s]*$"
        case .percentage: "^[0-9]{1,3}(\\.[0-9]+)?%$"
        case .labelKey: "^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
        }
    }

    /// The share `text` spells (`5%` → 0.05), nil unless it is a percentage above 0 and at most 100.
    public static func percentage(_ text: String) -> Double? {
        guard text.hasSuffix("%") else { return nil }
        let number = text.dropLast()
        guard let first = number.first, first.isASCII, first.isNumber,
            number.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }), let value = Double(number),
            value > 0, value <= 100
        else { return nil }
        return value / 100
    }

    static func isName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), isLower(bytes[0]), isLower(bytes.last!) || isDigit(bytes.last!)
        else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    static func isLanguage(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count), primary.utf8.allSatisfy(isLower) else {
            return false
        }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.count) && part.utf8.allSatisfy { isAlpha($0) || isDigit($0) }
        }
    }

    static func isEnvironmentVariable(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, isAlpha(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        guard let first = rest.first, !"/?#".contains(first) else { return false }
        return !text.contains(where: { $0.isWhitespace })
    }

    static func isLabelKey(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, (1...63).contains(name.count) else { return false }
        func ok(_ s: Substring, extra: Set<UInt8>) -> Bool {
            let bytes = Array(s.utf8)
            guard let first = bytes.first, let last = bytes.last else { return false }
            return (isAlpha(first) || isDigit(first)) && (isAlpha(last) || isDigit(last))
                && bytes.allSatisfy { isAlpha($0) || isDigit($0) || extra.contains($0) }
        }
        if parts.count == 2, !ok(parts[0], extra: [UInt8(ascii: "-"), UInt8(ascii: ".")]) { return false }
        return ok(name, extra: [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")])
    }

    private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    private static func isAlpha(_ byte: UInt8) -> Bool { isLower(byte) || (byte >= 0x41 && byte <= 0x5A) }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
