import TraduCore
import TraduStore

/// A worker's mutable state, in one actor: the blocks it holds, and the runtimes of the applied revision
/// (reloaded when a new revision is applied).
actor WorkerState {
    private var held: [String: ClaimedBlock] = [:]
    private var runtimes: [String: PipelineRuntime]?
    private var revision: Int64?
    private var lastRevisionCheck = ContinuousClock.now - .seconds(60)
    private(set) var isStopped = false

    var heldCount: Int { held.count }
    var currentRuntimes: [String: PipelineRuntime] { runtimes ?? [:] }

    func hold(_ blocks: [ClaimedBlock]) {
        for block in blocks { held[block.id] = block }
    }

    func drop(_ ids: [String]) {
        for id in ids { held[id] = nil }
        finished += ids.count
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
