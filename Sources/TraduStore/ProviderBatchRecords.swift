/// A batch of requests to enter `provider_batches`, with the blocks it carries.
public struct NewProviderBatch: Sendable, Hashable {
    public var submission: String
    public var engine: String
    public var requests: [NewBatchRequest]

    public init(submission: String, engine: String, requests: [NewBatchRequest]) {
        self.submission = submission
        self.engine = engine
        self.requests = requests
    }
}

/// One request of a block's attempt, as a line of a provider batch's input file.
public struct NewBatchRequest: Sendable, Hashable {
    /// `<block>~<attempt>~<n>`: names the block and attempt in the provider's files.
    public var customID: String
    public var blockID: String
    public var attempt: Int
    /// The segment ids the request carries, to rebuild it when its answer comes back.
    public var segmentIDs: [String]
    public var line: String
    public var estimatedTokens: Int64

    public init(
        customID: String, blockID: String, attempt: Int, segmentIDs: [String], line: String, estimatedTokens: Int64
    ) {
        self.customID = customID
        self.blockID = blockID
        self.attempt = attempt
        self.segmentIDs = segmentIDs
        self.line = line
        self.estimatedTokens = estimatedTokens
    }
}

/// A provider batch as its owner drives it.
public struct ProviderBatchRow: Sendable, Hashable {
    public enum Phase: String, Sendable {
        /// Recorded, not known to be created at the provider yet.
        case preparing
        case submitted
        case ended
    }

    public var id: Int64
    public var submission: String
    public var engine: String
    public var phase: Phase
    public var providerID: String?
    /// A creation was attempted: the provider may hold the batch though its id was never recorded.
    public var createAttempted: Bool
    public var requestCount: Int
    public var estimatedTokens: Int64
}

/// A request of a provider batch and what the provider answered.
public struct BatchRequestRow: Sendable, Hashable {
    public enum Outcome: String, Sendable {
        case pending, answered, failed
    }

    public var customID: String
    public var blockID: String
    public var attempt: Int
    public var segmentIDs: [String]
    public var line: String
    public var outcome: Outcome
    public var status: Int?
    public var body: String?
    public var errorClass: String?
    public var error: String?
}

/// What the provider said about one request: an answer (HTTP status and body) or an error line.
public struct BatchAnswer: Sendable, Hashable {
    public var customID: String
    public var status: Int?
    public var body: String?
    public var errorClass: String?
    public var error: String?

    public static func answered(_ customID: String, status: Int, body: String) -> BatchAnswer {
        BatchAnswer(customID: customID, status: status, body: body)
    }

    public static func failed(_ customID: String, errorClass: String, error: String) -> BatchAnswer {
        BatchAnswer(customID: customID, errorClass: errorClass, error: error)
    }
}
