import TraduCore
import TraduStore

/// The manifests of the environment's latest applied revision, decoded again into domain objects: what the
/// controller and the workers run (never the files on disk, which may be ahead of what was applied).
public struct AppliedManifests: Sendable {
    public var revision: Int64
    public var serial: Int64?
    public var resolved: ResolvedManifests

    /// nil when nothing was ever applied to the environment.
    public static func load(from store: Store, environment: String) async throws -> AppliedManifests? {
        guard let revision = try await store.latestRevision() else { return nil }
        return try decode(revision, environment: environment)
    }

    /// The manifests of one revision (a rollout's workers also run the revision of the other spec).
    static func load(from store: Store, environment: String, revision number: Int64) async throws
        -> AppliedManifests?
    {
        guard let revision = try await store.revision(number) else { return nil }
        return try decode(revision, environment: environment)
    }

    static func decode(_ revision: Revision, environment: String) throws -> AppliedManifests {
        let file = "revision \(revision.number)"
        let manifests = try JSONText.parse(revision.manifests, name: file)
        guard case .object(let members) = manifests else {
            throw TraduError.configuration("\(file): stored manifests are not an object")
        }
        var documents: [Node] = []
        for (key, spec) in members {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            var specJSON = spec
            // Overrides were applied before the revision was stored: applying them again is harmless
            // (merge patches are idempotent) but pointless. The promotion gates name another environment, which
            // one environment's manifests do not hold, and the runtime does not read them.
            if parts[0] == ManifestKind.environment.rawValue, case .object(let fields) = spec {
                specJSON = .object(fields.filter { $0.0 != "overrides" && $0.0 != "promotion" })
            }
            documents.append(
                Node(
                    json: .object([
                        ("apiVersion", .string(ManifestKind.apiVersion)), ("kind", .string(parts[0])),
                        ("metadata", .object([("name", .string(parts[1]))])), ("spec", specJSON),
                    ]), file: file))
        }
        let compiled = ManifestCompiler.compile(documents, environment: environment)
        guard let resolved = compiled.environments[environment], compiled.isValid else {
            throw TraduError.invalidManifests(compiled.diagnostics)
        }
        return AppliedManifests(revision: revision.number, serial: revision.serial, resolved: resolved)
    }
}
