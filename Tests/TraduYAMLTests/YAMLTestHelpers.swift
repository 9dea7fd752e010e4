import Testing
import TraduCore
import TraduYAML

/// Loads a YAML string as `test.yaml`.
func load(_ text: String, limits: YAMLLimits = .default) throws(Diagnostic) -> [Node] {
    try YAMLLoader.load(Array(text.utf8), file: "test.yaml", limits: limits)
}

/// Loads a single-document YAML string.
func loadOne(_ text: String) throws -> Node {
    let documents = try load(text)
    try #require(documents.count == 1)
    return documents[0]
}

/// The diagnostic `load` throws, or nil when it succeeds.
func loadError(_ text: String, limits: YAMLLimits = .default) -> Diagnostic? {
    loadError(bytes: Array(text.utf8), limits: limits)
}

func loadError(bytes: [UInt8], limits: YAMLLimits = .default) -> Diagnostic? {
    do {
        _ = try YAMLLoader.load(bytes, file: "test.yaml", limits: limits)
        return nil
    } catch {
        return error
    }
}

/// `line:column` of a location, for compact assertions.
func position(_ location: TraduCore.SourceLocation?) -> String? {
    location.map { "\($0.line):\($0.column)" }
}

extension Node {
    /// Mapping keys in order.
    var keys: [String] { entries?.map(\.key) ?? [] }
}
