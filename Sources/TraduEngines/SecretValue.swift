import Foundation

/// A secret read from the environment. It never prints: `description`, `debugDescription` and reflection
/// (`dump`, string interpolation of an enclosing value) all show `<redacted>`.
struct SecretValue: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The value, for the one place that sends it.
    let exposed: String

    init(_ value: String) { exposed = value }

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// `text` with every occurrence of the secret replaced, for error messages built from what a server said.
    func scrub(_ text: String) -> String {
        guard exposed.count >= 4 else { return text }
        return text.replacingOccurrences(of: exposed, with: "<redacted>")
    }
}
