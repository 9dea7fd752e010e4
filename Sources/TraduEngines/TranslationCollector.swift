import TraduCore

/// Gathers the translations an engine answered and checks them against the request's segment ids: every id
/// exactly once, no id that was not asked for. Anything else is a `data` failure naming the ids.
struct TranslationCollector {
    private let expected: [String]
    private let expectedSet: Set<String>
    private(set) var translations: [String: String]
    private var unknown: [String] = []
    private var repeated: [String] = []

    init(_ request: TranslationRequest) {
        expected = request.segments.map(\.id)
        expectedSet = Set(expected)
        translations = Dictionary(minimumCapacity: expected.count)
    }

    mutating func add(id: String, text: String) {
        if !expectedSet.contains(id) {
            unknown.append(id)
        } else if translations.updateValue(text, forKey: id) != nil {
            repeated.append(id)
        }
    }

    /// The translations by id, or a `data` failure starting with `context` (e.g. "engine 'gpt': answer").
    func finish(_ context: String) throws(BlockFailure) -> [String: String] {
        var problems: [String] = []
        let missing = expected.filter { translations[$0] == nil }
        if !missing.isEmpty { problems.append("is missing segment \(Self.list(missing))") }
        if !unknown.isEmpty { problems.append("has segment \(Self.list(unknown)) that was not asked for") }
        if !repeated.isEmpty { problems.append("repeats segment \(Self.list(repeated))") }
        guard problems.isEmpty else {
            throw BlockFailure(.data, "\(context) " + problems.joined(separator: ", "))
        }
        return translations
    }

    private static let maxIDsShown = 5

    /// `id a`, `ids a, b, c and 4 more`
    private static func list(_ ids: [String]) -> String {
        let shown = ids.prefix(maxIDsShown).map { "'\(FailureText.clip($0))'" }.joined(separator: ", ")
        let more = ids.count > maxIDsShown ? " and \(ids.count - maxIDsShown) more" : ""
        return (ids.count == 1 ? "id " : "ids ") + shown + more
    }
}
