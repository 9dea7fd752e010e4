/// One problem found in the user's input, with where it is. Diagnostics are collected, not thrown one at a
/// time, so `tradu validate` can report every error in one run.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
    }

    public var severity: Severity
    /// Where the problem is; nil only for problems that belong to no file (an empty manifest folder).
    public var range: SourceRange?
    /// One line, lower-case start, no trailing period, like a compiler's.
    public var message: String

    public init(_ severity: Severity = .error, at range: SourceRange?, _ message: String) {
        self.severity = severity
        self.range = range
        self.message = message
    }

    public init(_ severity: Severity = .error, at location: SourceLocation, _ message: String) {
        self.init(severity, at: SourceRange(at: location), message)
    }

    /// `path/to/file.yaml:LINE:COL: error: message`
    public var description: String {
        if let range {
            return "\(range.start): \(severity.rawValue): \(message)"
        }
        return "\(severity.rawValue): \(message)"
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, line and column, so output is stable and reads top to bottom.
    public func sortedByLocation() -> [Diagnostic] {
        enumerated().sorted { a, b in
            switch (a.element.range?.start, b.element.range?.start) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x == y ? a.offset < b.offset : x < y
            }
        }.map(\.element)
    }
}
