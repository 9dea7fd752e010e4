/// A document tree with a source range on every node: what the YAML adapter produces and what manifest
/// decoding consumes. It is format-neutral so the domain never sees libyaml.
///
/// Scalars are already resolved by the YAML 1.2 core schema: `yes`/`no` stay strings, quoted scalars are
/// always strings, `~`/`null`/empty are null.
public struct Node: Sendable, Hashable {
    public indirect enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
        case sequence([Node])
        case mapping([Entry])
    }

    /// One key/value pair of a mapping, keeping the key's own position (unknown-key errors point at it).
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var keyRange: SourceRange
        public var value: Node

        public init(key: String, keyRange: SourceRange, value: Node) {
            self.key = key
            self.keyRange = keyRange
            self.value = value
        }
    }

    public var value: Value
    public var range: SourceRange

    public init(_ value: Value, range: SourceRange) {
        self.value = value
        self.range = range
    }

    public var location: SourceLocation { range.start }

    /// The entries when this node is a mapping, else nil.
    public var entries: [Entry]? {
        if case .mapping(let entries) = value { return entries }
        return nil
    }

    /// The value under `key` when this node is a mapping.
    public subscript(key: String) -> Node? {
        entries?.first(where: { $0.key == key })?.value
    }

    /// The string value, when this node is a string scalar.
    public var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// The element nodes, when this node is a sequence.
    public var elements: [Node]? {
        if case .sequence(let nodes) = value { return nodes }
        return nil
    }

    /// A short name of the node's type for error messages ("a string", "a mapping").
    public var typeDescription: String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .float: "a number"
        case .string: "a string"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}
