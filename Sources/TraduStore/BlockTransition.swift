import TraduCore
import TraduPostgres

/// A block transition the store just recorded in `block_events`, handed to the store's `TransitionObserver`, so
/// the process that made it can log it (one structured line per transition).
public struct BlockTransition: Sendable, Hashable {
    public var blockID: String
    public var pipeline: String
    /// nil when the block was created.
    public var from: BlockState?
    public var to: BlockState
    public var attempt: Int
    public var instanceID: String?
    public var reason: String
    public var errorClass: String?
    public var error: String?
    /// How long the attempt took, on the transitions that end one (completed, failed, retry scheduled).
    public var durationMilliseconds: Int?

    public init(
        blockID: String, pipeline: String, from: BlockState?, to: BlockState, attempt: Int, instanceID: String?,
        reason: String, errorClass: String? = nil, error: String? = nil, durationMilliseconds: Int? = nil
    ) {
        self.blockID = blockID
        self.pipeline = pipeline
        self.from = from
        self.to = to
        self.attempt = attempt
        self.instanceID = instanceID
        self.reason = reason
        self.errorClass = errorClass
        self.error = error
        self.durationMilliseconds = durationMilliseconds
    }

    /// Whether the transition is on the success path (planned, scheduled, claimed, completed, or a block already
    /// waiting re-planned): these are gathered only for an observer that wants every transition, so the hot path
    /// returns nothing extra otherwise, and logged at debug.
    public var isSuccessPath: Bool {
        switch to {
        case .created: from == nil || from == .created
        case .claimed, .inProcess, .completed: true
        case .enqueued: from == .created || from == .claimed
        case .failed, .cancelled: false
        }
    }
}

extension BlockTransition {
    /// What an event insert answers when its transitions are reported: the statement ends with it.
    static let returningEvent = """
        RETURNING block_id, (SELECT b.pipeline FROM blocks b WHERE b.id = block_id) AS pipeline, from_state, to_state,
                  instance_id, attempt, reason
        """

    /// The transitions in rows of `returningEvent` (none for rows without a block id).
    static func decoding(_ rows: PostgresRows) throws -> [BlockTransition] {
        try rows.compactMap { row in
            guard let id = row["block_id"] else { return nil }
            return BlockTransition(
                blockID: id, pipeline: row["pipeline"] ?? "",
                from: row["from_state"].flatMap(BlockState.init(rawValue:)),
                to: try row.required("to_state", BlockState.init(rawValue:)),
                attempt: row["attempt"].flatMap { Int($0) } ?? 0, instanceID: row["instance_id"],
                reason: row["reason"] ?? "")
        }
    }
}

/// Who hears of the transitions a store records. `everyTransition` false: only failures, requeues, recoveries,
/// cancellations and operator actions; true: the success path too (debug logging).
public struct TransitionObserver: Sendable {
    public var everyTransition: Bool
    public var observe: @Sendable ([BlockTransition]) -> Void

    public init(everyTransition: Bool, observe: @escaping @Sendable ([BlockTransition]) -> Void) {
        self.everyTransition = everyTransition
        self.observe = observe
    }
}
