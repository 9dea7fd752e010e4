/// Small helpers for the text of failure messages.
enum FailureText {
    /// `text` cut to `limit` characters, with `...` when cut, and line breaks shown as spaces.
    static func clip(_ text: String, _ limit: Int = 120) -> String {
        let flat = String(text.map { $0.isNewline ? " " : $0 })
        return flat.count > limit ? String(flat.prefix(limit)) + "..." : flat
    }

    /// The last `count` non-empty lines of `text`.
    static func lastLines(_ text: String, _ count: Int = 10) -> String {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        return lines.suffix(count).joined(separator: "\n")
    }
}
