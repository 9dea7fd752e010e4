/// Strips what may be secret from a URL before it goes into a message: user info and the query
/// (signed dataset URLs carry their signature there).
enum URLRedaction {
    static func redact(_ url: String) -> String {
        var text = Substring(url)
        var hadQuery = false
        if let fragment = text.firstIndex(of: "#") { text = text[..<fragment] }
        if let query = text.firstIndex(of: "?") {
            text = text[..<query]
            hadQuery = true
        }
        if let scheme = text.firstRange(of: "://") {
            let authorityStart = scheme.upperBound
            let authorityEnd = text[authorityStart...].firstIndex(of: "/") ?? text.endIndex
            if let at = text[authorityStart..<authorityEnd].lastIndex(of: "@") {
                text = text[..<authorityStart] + text[text.index(after: at)...]
            }
        }
        return String(text) + (hadQuery ? "?<redacted>" : "")
    }
}
