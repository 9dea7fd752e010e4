/// What an apply records about itself. The store assigns the number, serial and time.
public struct RevisionInput: Sendable, Hashable {
    public var manifestDigest: String
    public var planDigest: String?
    /// The applied manifests, JSON text.
    public var manifests: String
    public var gitCommit: String?
    public var appliedBy: String
    public var message: String?
    /// The plan's summary, JSON text.
    public var summary: String
    /// The freight: raw manifests (JSON text), their digest, the datasets' fingerprints (JSON text), its id.
    public var freight: FreightRecord?
    /// Where a promoted revision came from, JSON text (`{"environment", "revision", "freight", ...}`).
    public var promotedFrom: String?
    /// The promotion this apply completes: marked `Succeeded` in the same transaction.
    public var promotionID: Int64?

    public init(
        manifestDigest: String, planDigest: String?, manifests: String, gitCommit: String? = nil,
        appliedBy: String, message: String? = nil, summary: String, freight: FreightRecord? = nil,
        promotedFrom: String? = nil, promotionID: Int64? = nil
    ) {
        self.freight = freight
        self.promotedFrom = promotedFrom
        self.promotionID = promotionID
        self.manifestDigest = manifestDigest
        self.planDigest = planDigest
        self.manifests = manifests
        self.gitCommit = gitCommit
        self.appliedBy = appliedBy
        self.message = message
        self.summary = summary
    }
}

/// A revision's freight as stored.
public struct FreightRecord: Sendable, Hashable {
    public var id: String
    /// `[{"path": ..., "text": ...}]`: every manifest file, as written.
    public var rawManifests: String
    public var rawDigest: String
    /// `{"dataset": "fingerprint"}`.
    public var datasetFingerprints: String
    public var gitBranch: String?

    public init(id: String, rawManifests: String, rawDigest: String, datasetFingerprints: String, gitBranch: String?) {
        self.id = id
        self.rawManifests = rawManifests
        self.rawDigest = rawDigest
        self.datasetFingerprints = datasetFingerprints
        self.gitBranch = gitBranch
    }
}
