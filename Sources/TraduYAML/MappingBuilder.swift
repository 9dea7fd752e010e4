import TraduCore

/// Collects one mapping's entries: rejects duplicate keys and applies merge keys (`<<`).
///
/// Merge semantics (https://yaml.org/type/merge.html): keys written in the mapping win over merged ones,
/// wherever the `<<` appears; among the mappings of a `<<: [*a, *b]` list, earlier ones win. Merged entries
/// take the place of the `<<` entry, so the result keeps document order.
struct MappingBuilder {
    private enum Item {
        case entry(Node.Entry)
        case merged([Node.Entry])
    }

    private var items: [Item] = []
    /// Where each key written in this mapping (including `<<`) was first defined.
    private var explicitKeys: [String: SourceRange] = [:]

    mutating func add(_ entry: Node.Entry) throws(Diagnostic) {
        try claim(entry.key, at: entry.keyRange)
        items.append(.entry(entry))
    }

    /// Adds the value of a merge key: a mapping or a list of mappings.
    mutating func merge(_ value: Node, keyRange: SourceRange) throws(Diagnostic) {
        try claim("<<", at: keyRange)
        let sources: [[Node.Entry]]
        switch value.value {
        case .mapping(let entries):
            sources = [entries]
        case .sequence(let elements):
            var mappings: [[Node.Entry]] = []
            for element in elements {
                guard let entries = element.entries else {
                    throw Diagnostic(
                        at: element.range,
                        "a merge key '<<' list may only contain mappings, found \(element.typeDescription)")
                }
                mappings.append(entries)
            }
            sources = mappings
        default:
            throw Diagnostic(
                at: value.range,
                "the value of a merge key '<<' must be a mapping or a list of mappings, found \(value.typeDescription)")
        }
        var seen: Set<String> = []
        var merged: [Node.Entry] = []
        for entries in sources {
            for entry in entries where seen.insert(entry.key).inserted {
                merged.append(entry)
            }
        }
        items.append(.merged(merged))
    }

    func build() -> [Node.Entry] {
        var result: [Node.Entry] = []
        result.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .entry(let entry):
                result.append(entry)
            case .merged(let entries):
                result.append(contentsOf: entries.filter { explicitKeys[$0.key] == nil })
            }
        }
        return result
    }

    private mutating func claim(_ key: String, at range: SourceRange) throws(Diagnostic) {
        if let first = explicitKeys[key] {
            throw Diagnostic(at: range, "duplicate key '\(key)' (first defined at \(first.start))")
        }
        explicitKeys[key] = range
    }
}
