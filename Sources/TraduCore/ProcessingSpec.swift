/// The part of a pipeline's effective spec that decides what its output is: when it changes, finished
/// blocks are stale and must be reprocessed. Operational settings (concurrency, rate limits, timeouts,
/// endpoint, retry policy, priority, sinks) are left out on purpose: changing them must not re-run work.
/// Secrets never appear: only the fields below are read.
public struct ProcessingSpec: Sendable, Hashable {
    public var json: JSONValue

    public init(pipeline: Pipeline, engine: Engine, dataset: Dataset) {
        var engineFields: [(String, JSONValue)] = [("type", .string(engine.kind.rawValue))]
        if let model = engine.model { engineFields.append(("model", .string(model))) }
        if let prompt = engine.prompt { engineFields.append(("prompt", .string(prompt))) }
        if let temperature = engine.temperature { engineFields.append(("temperature", .double(temperature))) }
        if let command = engine.command { engineFields.append(("command", .array(command.map { .string($0) }))) }
        var fields: [(String, JSONValue)] = [
            ("engine", .object(engineFields)),
            (
                "dataset",
                .object([
                    ("sourceLanguage", .string(dataset.sourceLanguage)), ("format", .string(dataset.format.rawValue)),
                    ("idField", .string(dataset.idField)), ("textField", .string(dataset.textField)),
                ])
            ),
        ]
        // Only when not the default, so that specs written before segmentation existed keep their hash (and
        // nothing is reprocessed by an upgrade).
        if pipeline.segmentation != .document {
            fields.append(("pipeline", .object([("segmentation", .string(pipeline.segmentation.rawValue))])))
        }
        json = .object(fields)
    }

    public init(json: JSONValue) { self.json = json }

    /// Every field path a processing spec can hold: what a promotion's `allowDifferences` may name.
    public static let fieldPaths = [
        "engine.type", "engine.model", "engine.prompt", "engine.temperature", "engine.command",
        "dataset.sourceLanguage", "dataset.format", "dataset.idField", "dataset.textField", "pipeline.segmentation",
    ]

    /// Identity of the spec: equal specs give equal hashes on every machine.
    public var hash: String { ContentHash.hex(of: json.encoded(sortedKeys: true)) }

    /// Dotted paths of the fields that differ from `old` (`engine.model`), sorted.
    public func changedFields(since old: ProcessingSpec) -> [String] {
        JSONDiff.changedPaths(from: old.json, to: json)
    }
}

/// Field-by-field comparison of JSON values.
public enum JSONDiff {
    /// Dotted paths where `old` and `new` differ; objects are compared member by member, anything else
    /// (arrays included) as a whole.
    public static func changedPaths(from old: JSONValue?, to new: JSONValue?, prefix: String = "") -> [String] {
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            let keys = Set(a.map(\.0)).union(b.map(\.0)).sorted()
            return keys.flatMap { key in
                changedPaths(
                    from: a.first { $0.0 == key }?.1, to: b.first { $0.0 == key }?.1,
                    prefix: prefix.isEmpty ? key : "\(prefix).\(key)")
            }
        default:
            return old == new ? [] : [prefix]
        }
    }

    /// One change with its old and new value, for `tradu diff`.
    public struct Change: Sendable, Hashable {
        public var path: String
        public var old: JSONValue?
        public var new: JSONValue?
    }

    public static func changes(from old: JSONValue?, to new: JSONValue?, prefix: String = "") -> [Change] {
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            let keys = Set(a.map(\.0)).union(b.map(\.0)).sorted()
            return keys.flatMap { key in
                changes(
                    from: a.first { $0.0 == key }?.1, to: b.first { $0.0 == key }?.1,
                    prefix: prefix.isEmpty ? key : "\(prefix).\(key)")
            }
        default:
            return numericallyEqual(old, new) ? [] : [Change(path: prefix, old: old, new: new)]
        }
    }

    /// `2` and `2.0` are the same value once stored as JSON.
    private static func numericallyEqual(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (.int(let x)?, .double(let y)?), (.double(let y)?, .int(let x)?): Double(x) == y
        default: a == b
        }
    }
}
