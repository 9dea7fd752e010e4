/// A piece of HTML. Strings interpolated into it are escaped, and only other `HTML` values go in as markup, so no
/// text the console shows (a document, an error message, an instance name) can add markup to a page.
struct HTML: ExpressibleByStringInterpolation, Sendable, CustomStringConvertible {
    private(set) var text: String

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    var description: String { text }

    static let empty: HTML = ""

    mutating func append(_ other: HTML) { text += other.text }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ value: String) { text += HTML.escape(value) }
        mutating func appendInterpolation(_ value: Int) { text += String(value) }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ parts: [HTML]) { for part in parts { text += part.text } }
    }

    /// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted attribute values.
    static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 || $0 == 39 }) else {
            return value
        }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for character in value.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

extension Array where Element == HTML {
    /// The pieces one after the other, `separator` between them.
    func joined(separator: HTML = .empty) -> HTML {
        var out = HTML.empty
        for (index, part) in enumerated() {
            if index > 0 { out.append(separator) }
            out.append(part)
        }
        return out
    }
}
