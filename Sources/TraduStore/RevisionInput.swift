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

    public init(
        manifestDigest: String, planDigest: String?, manifests: String, gitCommit: String? = nil,
        appliedBy: String, message: String? = nil, summary: String
    ) {
        self.manifestDigest = manifestDigest
        self.planDigest = planDigest
        self.manifests = manifests
        self.gitCommit = gitCommit
        self.appliedBy = appliedBy
        self.message = message
        self.summary = summary
    }
}
