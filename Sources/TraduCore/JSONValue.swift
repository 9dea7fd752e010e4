/// A JSON document as a value, with a deterministic encoder (sorted keys optional, stable float format).
/// The core uses it for JSON Schemas, canonical manifests and machine-readable output without Foundation.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Keys keep their insertion order; `encoded(sortedKeys:)` can sort them.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            // Member order carries no meaning in JSON (jsonb does not keep it): compare as sets of members.
            guard a.count == b.count else { return false }
            let sortedA = a.sorted { $0.0 < $1.0 }
            let sortedB = b.sorted { $0.0 < $1.0 }
            return zip(sortedA, sortedB).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(encoded(sortedKeys: true))
    }

    /// The value under `key` of an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first(where: { $0.0 == key })?.1 }
        return nil
    }

    /// Compact JSON text, or indented with two spaces when `pretty`.
    public func encoded(pretty: Bool = false, sortedKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, sortedKeys: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += JSONValue.format(value)
        case .string(let value): JSONValue.writeString(value, to: &out)
        case .array(let values):
            if values.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                value.write(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            let ordered = sortedKeys ? members.sorted { $0.0 < $1.0 } : members
            out += "{"
            for (index, member) in ordered.enumerated() {
                if index > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONValue.writeString(member.0, to: &out)
                out += pretty ? ": " : ":"
                member.1.write(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// Appends `value` as a JSON string literal.
    public static func appendQuoted(_ value: String, to out: inout String) { writeString(value, to: &out) }

    /// Escapes on UTF-8 bytes and appends the runs between escapes whole, as slices of `value` (already valid
    /// UTF-8, so nothing is validated or copied twice): text is hot (every record of every block is written
    /// through here on apply and again on completion), and scalar-by-scalar appends were most of apply's CPU.
    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        var value = value
        let escapes = value.withUTF8 { bytes in
            bytes.indices.filter { bytes[$0] < 0x20 || bytes[$0] == quote || bytes[$0] == backslash }
        }
        guard !escapes.isEmpty else {
            out += value
            out += "\""
            return
        }
        let utf8 = value.utf8
        // The escaped bytes are ASCII, so every run between them starts and ends on a scalar's boundary.
        var runStart = utf8.startIndex
        for offset in escapes {
            let index = utf8.index(utf8.startIndex, offsetBy: offset)
            out += value[runStart..<index]
            switch utf8[index] {
            case quote: out += "\\\""
            case backslash: out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\r"): out += "\\r"
            case UInt8(ascii: "\t"): out += "\\t"
            default:
                let hex = String(utf8[index], radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
            runStart = utf8.index(after: index)
        }
        out += value[runStart...]
        out += "\""
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")
}

extension Node {
    /// The node as plain JSON, dropping positions (for canonical manifests and schema checks).
    public var json: JSONValue {
        switch value {
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .float(let value): .double(value)
        case .string(let value): .string(value)
        case .sequence(let nodes): .array(nodes.map(\.json))
        case .mapping(let entries): .object(entries.map { ($0.key, $0.value.json) })
        }
    }
}

extension Node {
    /// A node from plain JSON (stored manifests), every position set to line 1 of `file`.
    public init(json: JSONValue, file: String) {
        let range = SourceRange(at: SourceLocation(file: file, line: 1, column: 1))
        let value: Node.Value =
            switch json {
            case .null: .null
            case .bool(let bool): .bool(bool)
            case .int(let int): .int(int)
            case .double(let double): .float(double)
            case .string(let string): .string(string)
            case .array(let items): .sequence(items.map { Node(json: $0, file: file) })
            case .object(let members):
                .mapping(members.map { Node.Entry(key: $0.0, keyRange: range, value: Node(json: $0.1, file: file)) })
            }
        self.init(value, range: range)
    }
}
