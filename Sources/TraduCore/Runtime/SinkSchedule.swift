/// When the leading controller rewrites a pipeline's `jsonl` sink: as soon as its results changed, but never more
/// often than `minimumInterval`, nor than ten times the last write took, so keeping a large sink current costs the
/// controller at most about a tenth of its time.
///
/// A sink's results change when a block completes (the pipeline's completed attempts grow), when a block is
/// cancelled, when a rollout makes new results current (the pipeline's generation grows), and when a document is
/// erased (the environment's erasures grow): `Signal` holds the four, as the store reads them cheaply every cycle. The signal last written is kept beside the sink, so a
/// controller that takes over writes nothing that is already there.
public struct SinkSchedule: Sendable, Hashable {
    public struct Signal: Sendable, Hashable, Codable {
        public var completedAttempts: Int64
        public var cancelled: Int64
        public var generation: Int64
        public var erasures: Int64

        public init(completedAttempts: Int64, cancelled: Int64, generation: Int64, erasures: Int64 = 0) {
            self.completedAttempts = completedAttempts
            self.cancelled = cancelled
            self.generation = generation
            self.erasures = erasures
        }
    }

    public enum Decision: Sendable, Hashable {
        /// The sink holds what the results are.
        case upToDate
        /// Rewrite it now.
        case write
        /// It is behind, but was written too recently: ask again after this many seconds.
        case wait(seconds: Double)
    }

    public var minimumInterval: Double
    /// What the sink on disk holds, if known.
    public private(set) var written: Signal?
    /// When (seconds on the caller's clock) the last write started, and how long it took.
    private var lastWriteAt: Double?
    private var lastWriteSeconds: Double = 0

    public init(minimumInterval: Double = 2, written: Signal? = nil) {
        self.minimumInterval = minimumInterval
        self.written = written
    }

    public func decide(_ current: Signal, now: Double) -> Decision {
        guard current != written else { return .upToDate }
        guard let lastWriteAt else { return .write }
        let due = lastWriteAt + max(minimumInterval, 10 * lastWriteSeconds)
        return now >= due ? .write : .wait(seconds: due - now)
    }

    /// A write of `signal` started at `startedAt` and took `seconds`.
    public mutating func wrote(_ signal: Signal, startedAt: Double, seconds: Double) {
        written = signal
        lastWriteAt = startedAt
        lastWriteSeconds = seconds
    }
}
