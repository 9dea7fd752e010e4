import TraduCore

/// The effective manifests of one environment as one JSON object, `"Kind/name" → spec` with sorted keys:
/// what a revision stores, what `tradu diff` compares, and what the manifest digest is computed over.
/// Secrets appear only as references, because specs hold only references.
public enum CanonicalManifests {
    public static func json(_ resolved: ResolvedManifests) -> JSONValue {
        .object(
            resolved.effectiveSpecs.keys.sorted().map { id in
                ("\(id.kind.rawValue)/\(id.name)", resolved.effectiveSpecs[id]!)
            })
    }

    public static func digest(_ manifests: JSONValue) -> String {
        ContentHash.hex(of: manifests.encoded(sortedKeys: true))
    }
}
