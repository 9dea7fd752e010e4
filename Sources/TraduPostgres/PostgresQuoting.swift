import Foundation

/// Quoting for the places SQL cannot take a parameter: identifiers (schema, table, channel names) and the
/// occasional literal in utility statements such as `SET`.
public enum PostgresQuoting {
    /// `name` as a double-quoted identifier, with embedded quotes doubled. Throws on a NUL character.
    public static func identifier(_ name: String) throws -> String {
        try rejectNUL(name, what: "identifier")
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `value` as a standard-conforming string literal, with embedded quotes doubled. Throws on a NUL character.
    public static func literal(_ value: String) throws -> String {
        try rejectNUL(value, what: "literal")
        return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    private static func rejectNUL(_ text: String, what: String) throws {
        if text.utf8.contains(0) {
            throw PostgresError(kind: .misuse, message: "\(what) contains a NUL character")
        }
    }
}
