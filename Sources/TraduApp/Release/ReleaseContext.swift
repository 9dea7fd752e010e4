import TraduCore

/// What a promotion (or rollback) adds to the revision it writes: the freight it carries, unchanged from the
/// source's record, and where it came from.
public struct ReleaseContext: Sendable {
    public var freight: Freight
    public var gitBranch: String?
    /// `{"environment", "revision", "freight", "promotion", "rollback"}`.
    public var promotedFrom: JSONValue
    /// The promotion record this apply completes (marked `Succeeded` in the apply's transaction).
    public var promotionID: Int64?
}
