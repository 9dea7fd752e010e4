import TraduCore

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

    /// Whether the transition is on the success path (planned, scheduled, claimed, completed): these are gathered
    /// only for an observer that wants every transition, so the hot path returns nothing extra otherwise.
    public var isSuccessPath: Bool {
        switch to {
        case .created: from == nil
        case .claimed, .inProcess, .completed: true
        case .enqueued: from == .claimed
        case .failed, .cancelled: false
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
