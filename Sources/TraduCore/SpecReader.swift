/// Reads typed values out of a spec node that `ShapeChecker` has accepted, falling back to the defaults
/// declared in the shape. Because the node was checked, a missing or mistyped value can only mean "absent".
struct SpecReader {
    let node: Node?
    let shape: ObjectShape

    init(_ node: Node?, _ shape: ObjectShape) {
        self.node = node
        self.shape = shape
    }

    /// The node under `key`, when present and not null.
    func node(_ key: String) -> Node? {
        guard let value = node?[key] else { return nil }
        if case .null = value.value { return nil }
        return value
    }

    /// Whether the user wrote `key` (defaults do not count).
    func has(_ key: String) -> Bool { node(key) != nil }

    /// Where `key` is written, for semantic errors; the spec itself when absent.
    func range(_ key: String) -> SourceRange? {
        node?.entries?.first(where: { $0.key == key })?.keyRange ?? node?.range
    }

    func valueRange(_ key: String) -> SourceRange? { node(key)?.range ?? range(key) }

    private func value(_ key: String) -> JSONValue? { node(key)?.json ?? shape.field(key)?.defaultValue }

    func string(_ key: String) -> String? {
        if case .string(let text)? = value(key) { return text }
        return nil
    }

    func int(_ key: String) -> Int? {
        if case .int(let int)? = value(key) { return int }
        return nil
    }

    func double(_ key: String) -> Double? {
        switch value(key) {
        case .int(let int)?: Double(int)
        case .double(let double)?: double
        default: nil
        }
    }

    func bool(_ key: String) -> Bool? {
        if case .bool(let bool)? = value(key) { return bool }
        return nil
    }

    func duration(_ key: String) -> DurationValue? { string(key).flatMap(DurationValue.init(parsing:)) }

    func size(_ key: String) -> ByteSize? { string(key).flatMap(ByteSize.init(parsing:)) }

    func strings(_ key: String) -> [String]? {
        guard case .array(let items)? = value(key) else { return nil }
        return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    /// The nested object under `key`, read with its own shape (defaults apply even when it is absent).
    func object(_ key: String) -> SpecReader {
        guard case .object(let nested)? = shape.field(key)?.shape else {
            preconditionFailure("\(key) is not an object field")
        }
        return SpecReader(node(key), nested)
    }

    /// The secret reference under `key` (`{env: NAME}`).
    func secretReference(_ key: String) -> SecretReference? {
        node(key)?["env"]?.string.map { SecretReference(environmentVariable: $0) }
    }
}
