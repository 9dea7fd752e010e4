/// The unit of promotion: exactly what an environment validated. The raw manifests (every object of every
/// environment, before overrides), the content of each dataset the pipelines read, and the git commit where
/// one is known. Every environment that runs the same freight records the same id.
public struct Freight: Sendable, Hashable {
    /// Digest of the raw manifests (`RawManifests.digest`).
    public var manifestDigest: String
    /// Dataset name → fingerprint of its records' ids and texts, independent of block sizing and cutters.
    public var datasetFingerprints: [String: String]
    public var gitCommit: String?

    public init(manifestDigest: String, datasetFingerprints: [String: String], gitCommit: String?) {
        self.manifestDigest = manifestDigest
        self.datasetFingerprints = datasetFingerprints
        self.gitCommit = gitCommit
    }

    /// 12 hex characters: short enough to type, 48 bits against accidental collisions between the freights
    /// of one project.
    public var id: String {
        var text = "tradu-freight/v1\n\(manifestDigest)\n\(gitCommit ?? "-")\n"
        for name in datasetFingerprints.keys.sorted() { text += "\(name)=\(datasetFingerprints[name]!)\n" }
        return String(ContentHash.hex(of: text).prefix(12))
    }

    /// The datasets `current` (read from disk now) holds different records for than this freight pinned,
    /// and those it does not pin at all, sorted.
    public func staleDatasets(_ current: [String: String]) -> [String] {
        current.keys.filter { datasetFingerprints[$0] != current[$0] }.sorted()
    }
}
