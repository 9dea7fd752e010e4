import TraduCore
import TraduStore

/// A worker's mutable state, in one actor: the blocks it holds, and the runtimes of the applied revision
/// (reloaded when a new revision is applied).
actor WorkerState {
    private var held: [String: ClaimedBlock] = [:]
    /// The processing task of each held block that a slot started, so a lost lease can stop it.
    private var running: [String: Task<BlockProcessor.Outcome, Never>] = [:]
    private var runtimes: [String: PipelineRuntime]?
    private var revision: Int64?
    private var lastRevisionCheck = ContinuousClock.now - .seconds(60)
    private(set) var isStopped = false

    var heldCount: Int { held.count }
    var currentRuntimes: [String: PipelineRuntime] { runtimes ?? [:] }

    func hold(_ blocks: [ClaimedBlock]) {
        for block in blocks { held[block.id] = block }
    }

    /// Whether this worker still holds `block`'s lease for this very attempt (the same block may come back
    /// with a later attempt after a requeue).
    func holds(_ block: ClaimedBlock) -> Bool {
        held[block.id]?.attempt == block.attempt
    }

    /// Forgets blocks whose outcome was committed (or refused). A later attempt of the same block that this
    /// worker claimed meanwhile stays held.
    func drop(_ blocks: [ClaimedBlock]) {
        for block in blocks where holds(block) {
            held[block.id] = nil
            finished += 1
        }
    }

    /// Registers the task processing `block`; false (and the task is cancelled) when the lease was lost
    /// before the slot got to it.
    func start(_ block: ClaimedBlock, _ task: Task<BlockProcessor.Outcome, Never>) -> Bool {
        guard holds(block) else {
            task.cancel()
            return false
        }
        running[block.id] = task
        return true
    }

    /// The slot is done with `block`; true when the lease is still held, so the outcome is worth committing.
    func finish(_ block: ClaimedBlock) -> Bool {
        running[block.id] = nil
        return holds(block)
    }

    /// Leases the database no longer gives this worker (requeued after expiry, cancelled, or marked dead):
    /// stop their processing, skip the ones not started, and free their room for new claims.
    func forget(lost blocks: [ClaimedBlock]) {
        for block in blocks where holds(block) {
            held[block.id] = nil
            running.removeValue(forKey: block.id)?.cancel()
            finished += 1
        }
    }

    // MARK: Adaptive prefetch

    private var finished = 0
    private var rateWindowStart = ContinuousClock.now
    private var rateWindowFinished = 0
    /// Blocks finished per second, smoothed.
    private var rate = 0.0

    /// How many blocks to hold: the slots plus about one second of work at the measured rate.
    func target(concurrency: Int, cap: Int) -> Int {
        let now = ContinuousClock.now
        let elapsed = now - rateWindowStart
        if elapsed >= .milliseconds(250) {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let current = Double(finished - rateWindowFinished) / seconds
            rate = rate == 0 ? current : 0.7 * rate + 0.3 * current
            rateWindowStart = now
            rateWindowFinished = finished
        }
        return concurrency + min(cap, max(concurrency, Int(rate)))
    }

    /// Waits until some held block finishes (or `limit` passes), so claims come in large batches rather
    /// than one per freed slot.
    nonisolated func waitForRoom(upTo limit: Duration) async {
        let before = await finishedCount
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, await finishedCount == before {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    var finishedCount: Int { finished }

    func heldBlocks() -> [ClaimedBlock] { Array(held.values) }

    /// Forgets every lease (the instance was marked dead, so a controller takes its blocks back); returns
    /// how many there were.
    func forgetAll() -> Int {
        let all = Array(held.values)
        forget(lost: all)
        return all.count
    }

    func stop() { isStopped = true }

    /// Renewal period: the shortest heartbeat of the running pipelines.
    /// Before the manifests are loaded, a short interval: a controller may already expect 3 beats within
    /// the shortest heartbeat of the applied pipelines.
    var heartbeatInterval: Duration {
        let interval = runtimes?.values.map(\.pipeline.heartbeatInterval).min() ?? DurationValue(milliseconds: 200)
        return .milliseconds(interval.milliseconds)
    }

    var leaseDuration: Duration {
        let lease = runtimes?.values.map(\.pipeline.leaseDuration).max() ?? .seconds(60)
        return .milliseconds(lease.milliseconds)
    }

    /// The runtimes of the latest applied revision, checked at most once a second; nil while nothing is
    /// applied.
    func runtimes(loadingFrom store: Store, _ worker: Worker) async throws -> [String: PipelineRuntime]? {
        let now = ContinuousClock.now
        if runtimes != nil, now - lastRevisionCheck < .seconds(1) { return runtimes }
        lastRevisionCheck = now
        let latest = try await store.latestRevisionNumber()
        if latest == revision, runtimes != nil { return runtimes }
        guard let applied = try await AppliedManifests.load(from: store, environment: worker.environment) else {
            return nil
        }
        runtimes = PipelineRuntime.build(applied.resolved, environment: worker.variables, httpClient: worker.httpClient)
        revision = applied.revision
        worker.logger.info("running revision", metadata: ["revision": "\(applied.revision)"])
        return runtimes
    }
}

/// Counts worker slots that finished, so a drain can wait for them with a deadline.
actor SlotCounter {
    private let slots: Int
    private var finished = 0

    init(slots: Int) { self.slots = slots }

    func finish() { finished += 1 }

    /// True when every slot finished before the deadline.
    func wait(upTo limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while finished < slots {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
