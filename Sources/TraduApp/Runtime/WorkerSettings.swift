/// How a worker process runs.
public struct WorkerSettings: Sendable {
    /// Blocks processed at once (worker slots).
    public var concurrency: Int
    /// At most this many blocks claimed ahead of free slots, so a slot never waits for a database round trip.
    /// The worker prefetches about one second of work at its measured rate, within this cap: fast engines get
    /// large claims (cheap for the database), slow ones hold few leases other workers could take.
    public var prefetch: Int
    /// Longest wait for work before polling again when no NOTIFY arrives.
    public var pollInterval: Duration
    /// How long a draining worker lets running blocks finish before releasing them.
    public var shutdownGrace: Duration
    /// Completions are committed together: at most this many per transaction...
    public var flushBatch: Int
    /// ...and no later than this after the first one waits.
    public var flushDelay: Duration

    public init(
        concurrency: Int = 4, prefetch: Int? = nil, pollInterval: Duration = .seconds(1),
        shutdownGrace: Duration = .seconds(20), flushBatch: Int = 256, flushDelay: Duration = .milliseconds(2)
    ) {
        self.concurrency = max(1, concurrency)
        self.prefetch = prefetch ?? 1024
        self.pollInterval = pollInterval
        self.shutdownGrace = shutdownGrace
        self.flushBatch = flushBatch
        self.flushDelay = flushDelay
    }
}
