/// The lifecycle of a block (DESIGN §4):
/// `created` → `claimed` → `enqueued` → `in_process` → `completed` | `failed` | `cancelled`,
/// with retries as `in_process` → `enqueued` at a later `run_at`. The rotator picks (`claimed`) and enqueues a
/// block in one statement, so that step is persisted, and logged, as `created` → `enqueued`.
public enum BlockState: String, Sendable, Hashable, CaseIterable, Codable {
    case created
    /// Picked by the controller's rotator, not yet released to workers (caps and rollout limits). Never held
    /// past the rotator's statement today; logs of earlier builds show it as a step of its own.
    case claimed
    /// Ready for any worker from `run_at` on.
    case enqueued
    /// Held by one worker under a lease.
    case inProcess = "in_process"
    case completed
    case failed
    case cancelled

    /// Final states: nothing moves a block out of them but an operator or a new plan.
    public var isFinal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// Why a block changes state: decides which transitions are legal. The same pair of states can be legal
/// for one cause and not for another (a worker may not move a completed block; a new plan may).
public enum TransitionCause: String, Sendable, Hashable, CaseIterable {
    /// The controller's rotator schedules or un-schedules work.
    case schedule
    /// A worker claims, starts, finishes, fails or releases a block.
    case worker
    /// The retry policy sends a failed attempt back to the queue, or dead-letters it.
    case retry
    /// A watchdog recovers a block whose lease expired, whose worker died, or that ran past its TTL.
    case watchdog
    /// `tradu apply`: a block was planned, reprocessed, restored or left the manifests.
    case plan
    /// `tradu retry` / `tradu cancel`.
    case operatorAction = "operator"
    /// A canary rollout (the leading controller, or `tradu rollout`): a step sends its sample back to be
    /// reprocessed under the new spec; a rollback or an abort restores the sample to its current result.
    case rollout
}

/// The block state machine: every persisted transition is checked here first.
public enum BlockLifecycle {
    public struct IllegalTransition: Error, Sendable, Hashable, CustomStringConvertible {
        public var from: BlockState
        public var to: BlockState
        public var cause: TransitionCause

        public var description: String {
            "illegal block transition \(from.rawValue) → \(to.rawValue) (\(cause.rawValue))"
        }
    }

    /// Every legal (from, to) pair for each cause.
    public static let allowed: [TransitionCause: Set<Pair>] = [
        .schedule: [
            Pair(.created, .enqueued), Pair(.created, .claimed), Pair(.claimed, .enqueued), Pair(.claimed, .created),
            Pair(.created, .cancelled), Pair(.claimed, .cancelled), Pair(.enqueued, .cancelled),
            Pair(.inProcess, .cancelled),
        ],
        .worker: [
            Pair(.enqueued, .inProcess), Pair(.inProcess, .completed), Pair(.inProcess, .enqueued),
        ],
        .retry: [Pair(.inProcess, .enqueued), Pair(.inProcess, .failed)],
        .watchdog: [Pair(.inProcess, .enqueued), Pair(.inProcess, .failed)],
        .plan: Set(
            BlockState.allCases.flatMap { from in
                [Pair(from, .cancelled), Pair(from, .created)].filter { $0.from != $0.to }
            } + [Pair(.cancelled, .created)]),
        .rollout: Set(
            BlockState.allCases.filter { $0 != .cancelled }.flatMap { from in
                [Pair(from, .created), Pair(from, .completed)].filter { $0.from != $0.to }
            }),
        .operatorAction: [
            Pair(.failed, .enqueued), Pair(.cancelled, .enqueued), Pair(.created, .cancelled),
            Pair(.claimed, .cancelled), Pair(.enqueued, .cancelled), Pair(.inProcess, .cancelled),
            Pair(.failed, .cancelled),
        ],
    ]

    public struct Pair: Sendable, Hashable {
        public var from: BlockState
        public var to: BlockState

        public init(_ from: BlockState, _ to: BlockState) {
            self.from = from
            self.to = to
        }
    }

    public static func isAllowed(_ from: BlockState, _ to: BlockState, cause: TransitionCause) -> Bool {
        allowed[cause]?.contains(Pair(from, to)) ?? false
    }

    /// Throws `IllegalTransition` unless the transition is legal for the cause.
    public static func check(_ from: BlockState, _ to: BlockState, cause: TransitionCause) throws(IllegalTransition) {
        guard isAllowed(from, to, cause: cause) else { throw IllegalTransition(from: from, to: to, cause: cause) }
    }

    /// The states a cause may move blocks out of towards `to`: used to build guarded SQL updates
    /// (`WHERE state IN (...)`), so the database never applies a transition the state machine forbids.
    public static func sources(of to: BlockState, cause: TransitionCause) -> [BlockState] {
        BlockState.allCases.filter { isAllowed($0, to, cause: cause) }
    }
}
