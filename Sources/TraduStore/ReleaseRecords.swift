/// What the source environment's blocks show, for promotion gates (one statement, one snapshot).
public struct SourceBlockEvidence: Sendable, Hashable {
    /// Blocks not cancelled: the desired set.
    public var total: Int
    public var completed: Int
    public var failed: Int
    /// Not final yet.
    public var active: Int
    /// Error class → blocks whose error history holds at least one error of that class.
    public var blocksWithErrors: [String: Int]
    /// Seconds since the last block became final (or since the latest revision was applied, if later); nil
    /// while blocks are active.
    public var settledSeconds: Double?
    /// Pipelines whose latest rollout is running, paused or rolled back, with its phase and reason.
    public var unsettledRollouts: [String] = []
}

/// One promotion into this environment, as recorded.
public struct PromotionRecord: Sendable, Hashable {
    public var id: Int64
    public var freightID: String
    public var sourceEnvironment: String?
    public var sourceRevision: Int64?
    public var rollback: Bool
    public var automatic: Bool
    public var phase: String
    public var requestedBy: String
    public var message: String?
    /// JSON text: `[{"gate", "passed", "measured", "limit", "detail"}]`.
    public var gates: String
    /// JSON text: `[{"pipeline", "field", "source", "target"}]`, the differences accepted by `allowDifferences`.
    public var allowances: String
    /// JSON text: the reasons of a refusal or failure.
    public var reasons: String
    public var targetRevision: Int64?
    /// RFC 3339 UTC.
    public var createdAt: String
    public var finishedAt: String?
}

/// What a new promotion record holds when it is opened.
public struct PromotionInput: Sendable, Hashable {
    public var freightID: String
    public var sourceEnvironment: String?
    public var sourceRevision: Int64?
    public var rollback: Bool
    public var automatic: Bool
    public var requestedBy: String
    public var message: String?
    public var gates: String
    public var allowances: String

    public init(
        freightID: String, sourceEnvironment: String?, sourceRevision: Int64?, rollback: Bool, automatic: Bool,
        requestedBy: String, message: String?, gates: String, allowances: String
    ) {
        self.freightID = freightID
        self.sourceEnvironment = sourceEnvironment
        self.sourceRevision = sourceRevision
        self.rollback = rollback
        self.automatic = automatic
        self.requestedBy = requestedBy
        self.message = message
        self.gates = gates
        self.allowances = allowances
    }
}

/// An approval, rejection or withdrawn rejection of a freight.
public struct FreightVerdict: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case approved, rejected, unrejected
    }

    public var freightID: String
    public var kind: Kind
    public var by: String
    public var message: String
    /// RFC 3339 UTC.
    public var at: String
}

/// A hold on auto-promotion, set by a manual promotion of another freight.
public struct AutoPromotionHold: Sendable, Hashable {
    public var freightID: String
    public var by: String
    public var at: String
}
