/// One manifest document after its envelope (apiVersion, kind, metadata) was checked. The spec stays a
/// node until the environment's overrides are applied.
public struct ManifestObject: Sendable, Hashable {
    public var kind: ManifestKind
    public var name: String
    public var labels: [String: String]
    /// nil: present in every environment.
    public var environments: [String]?
    public var metadata: Node
    public var spec: Node
    /// The `spec:` key, where "missing key in spec" errors point.
    public var specKeyRange: SourceRange
    public var document: Node
    /// Whether the spec, as written (before overrides), passed its shape check.
    public var specIsValid: Bool

    public var file: String { document.location.file }
    public var nameRange: SourceRange { metadata["name"]?.range ?? metadata.range }
    public var id: ObjectID { ObjectID(kind: kind, name: name) }
}

/// (kind, name): the identity of a manifest object.
public struct ObjectID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: ManifestKind
    public var name: String

    public init(kind: ManifestKind, name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind.rawValue) '\(name)'" }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { (lhs.kind, lhs.name) < (rhs.kind, rhs.name) }
}

extension ManifestObject {
    static let envelopeKeys = ["apiVersion", "kind", "metadata", "spec"]

    /// Checks a document's envelope and its spec's shape. Returns nil when the document is too broken to
    /// identify (no kind or name); every problem found is appended to `diagnostics`.
    static func parse(_ document: Node, into diagnostics: inout [Diagnostic]) -> ManifestObject? {
        guard case .mapping(let entries) = document.value else {
            diagnostics.append(
                Diagnostic(at: document.range, "a manifest document must be a mapping, got \(document.typeDescription)")
            )
            return nil
        }
        var suggested = Set<String>()
        for entry in entries where !envelopeKeys.contains(entry.key) {
            let suggestion = Suggestion.closest(to: entry.key, in: envelopeKeys)
            if let suggestion { suggested.insert(suggestion) }
            diagnostics.append(
                Diagnostic(
                    at: entry.keyRange,
                    "unknown key '\(entry.key)' at the top of a manifest (keys: apiVersion, kind, metadata, spec)"
                        + (suggestion.map { "; did you mean '\($0)'?" } ?? "")))
        }
        // A misspelt key already says what is missing; "missing 'metadata'" on top would be noise.
        func missing(_ key: String) {
            guard !suggested.contains(key) else { return }
            diagnostics.append(Diagnostic(at: document.range, "missing required key '\(key)' in manifest"))
        }

        if let version = document["apiVersion"] {
            if version.string != ManifestKind.apiVersion {
                diagnostics.append(
                    Diagnostic(
                        at: version.range,
                        "unsupported apiVersion \(ShapeChecker.quoted(version)); this tradu understands"
                            + " '\(ManifestKind.apiVersion)'"))
            }
        } else {
            missing("apiVersion")
        }

        var kind: ManifestKind?
        if let kindNode = document["kind"] {
            if let text = kindNode.string, let known = ManifestKind(rawValue: text) {
                kind = known
            } else {
                let names = ManifestKind.allCases.map(\.rawValue)
                diagnostics.append(
                    Diagnostic(
                        at: kindNode.range,
                        "unknown kind \(ShapeChecker.quoted(kindNode)) (kinds: \(names.joined(separator: ", ")))"
                            + Suggestion.didYouMean(kindNode.string ?? "", in: names)))
            }
        } else {
            missing("kind")
        }

        let metadataKey = entries.first { $0.key == "metadata" }
        var name: String?
        if let metadata = metadataKey?.value {
            let before = diagnostics.count
            diagnostics += ShapeChecker.check(
                metadata, against: .object(ManifestShapes.metadata), path: "metadata", owner: metadataKey?.keyRange)
            if diagnostics.count == before { name = metadata["name"]?.string }
            if kind == .environment, let scoped = metadata.entries?.first(where: { $0.key == "environments" }) {
                diagnostics.append(
                    Diagnostic(at: scoped.keyRange, "metadata.environments cannot be set on an Environment"))
            }
        } else {
            missing("metadata")
        }

        let specEntry = entries.first { $0.key == "spec" }
        var specIsValid = false
        if let specEntry, let kind {
            let problems = ShapeChecker.check(
                specEntry.value, against: .object(ManifestShapes.spec(of: kind)), path: "spec",
                owner: specEntry.keyRange)
            specIsValid = problems.isEmpty
            diagnostics += problems
        } else if specEntry == nil {
            missing("spec")
        }

        guard let kind, let name, let metadata = metadataKey?.value, let specEntry else { return nil }
        let labels = (metadata["labels"]?.entries ?? []).reduce(into: [String: String]()) { labels, entry in
            labels[entry.key] = entry.value.string
        }
        return ManifestObject(
            kind: kind, name: name, labels: labels,
            environments: metadata["environments"]?.elements?.compactMap(\.string), metadata: metadata,
            spec: specEntry.value, specKeyRange: specEntry.keyRange, document: document, specIsValid: specIsValid)
    }
}
