/// One recorded apply, for `tradu history` and `tradu diff`.
public struct Revision: Sendable, Hashable {
    /// 1, 2, 3, ... in apply order.
    public var number: Int64
    /// The environment serial this apply produced; nil for revisions recorded before serials were stored.
    public var serial: Int64?
    public var manifestDigest: String
    public var planDigest: String?
    /// The applied manifests, JSON text (jsonb, so in PostgreSQL's normalised form).
    public var manifests: String
    public var gitCommit: String?
    public var appliedBy: String
    /// RFC 3339 in UTC, whole seconds: `2026-11-23T10:00:00Z`.
    public var appliedAt: String
    public var message: String?
    /// The plan's summary, JSON text; nil for revisions recorded before summaries were stored.
    public var summary: String?
    /// The freight it ran; nil for revisions recorded before freights were.
    public var freight: FreightRecord?
    /// JSON text, for a promoted revision.
    public var promotedFrom: String?

    public init(
        number: Int64, serial: Int64?, manifestDigest: String, planDigest: String?, manifests: String,
        gitCommit: String?, appliedBy: String, appliedAt: String, message: String?, summary: String?,
        freight: FreightRecord? = nil, promotedFrom: String? = nil
    ) {
        self.freight = freight
        self.promotedFrom = promotedFrom
        self.number = number
        self.serial = serial
        self.manifestDigest = manifestDigest
        self.planDigest = planDigest
        self.manifests = manifests
        self.gitCommit = gitCommit
        self.appliedBy = appliedBy
        self.appliedAt = appliedAt
        self.message = message
        self.summary = summary
    }
}
