import TraduCore
import TraduYAML

/// Parses JSON text (stored manifests, saved plans) into a `JSONValue`. JSON is a subset of YAML 1.2, and
/// the YAML adapter already resolves scalars by the core schema, so one parser serves both.
public enum JSONText {
    public static func parse(_ text: String, name: String) throws -> JSONValue {
        let limits = YAMLLimits(maxDepth: 64, maxNodes: 50_000_000, maxInputBytes: 1 << 30)
        do {
            let documents = try YAMLLoader.load(Array(text.utf8), file: name, limits: limits)
            guard let first = documents.first else {
                throw TraduError.configuration("\(name): empty JSON document")
            }
            return first.json
        } catch let diagnostic as Diagnostic {
            throw TraduError.configuration("\(name): not valid JSON: \(diagnostic)")
        }
    }
}
