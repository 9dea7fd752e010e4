import TraduCore
import TraduStore

/// The worker's isolated state: its `WorkerLeases` state machine, the processing task of each running block
/// (so a lost lease can stop it), and the runtimes of the applied revision. It feeds events to the state
/// machine and performs the one action that needs the tasks: cancelling them.
actor WorkerState {
    private var leases: WorkerLeases<ClaimedBlock>
    private var lanes: EngineLanes
    /// Blocks the slots finished, ever, by the engine of their runtime: each lane's rate.
    private var finishedByEngine: [String: Int] = [:]
    private var tasks: [LeaseKey: Task<BlockProcessor.Outcome, Never>] = [:]
    private(set) var runtimes: PipelineRuntimes?

    /// A block's lease: the same block claimed again is another lease, with another task.
    private struct LeaseKey: Hashable {
        var id: String
        var attempt: Int

        init(_ block: ClaimedBlock) {
            id = block.id
            attempt = block.attempt
        }
    }

    init(settings: WorkerLeases<ClaimedBlock>.Settings) {
        leases = WorkerLeases(settings: settings)
        lanes = EngineLanes(prefetchCap: settings.prefetchCap)
    }

    // MARK: The applied revision

    func install(_ runtimes: PipelineRuntimes) {
        self.runtimes = runtimes
        leases.limitSlots(to: runtimes.requestCapacity)
        lanes.setEngines(limits: runtimes.laneLimits, engineCount: runtimes.engineCount)
    }

    /// What the next claim may take for each engine (`EngineLanes`): the running pipelines grouped by their engine,
    /// each lane with its room. `.none` when the pipelines call one engine, or none of theirs is gated.
    func claimLanes(now: ContinuousClock.Instant) -> ClaimLanes {
        guard lanes.isActive, let runtimes else { return .none }
        var held: [String: Int] = [:]
        for block in leases.unprocessed {
            if let engine = engineName(of: block) { held[engine, default: 0] += 1 }
        }
        let rooms = lanes.rooms(held: held, finished: finishedByEngine, now: now)
        var pipelines: [String: [String]] = [:]
        for runtime in runtimes.pipelines where rooms[runtime.engine.name] != nil {
            pipelines[runtime.engine.name, default: []].append(runtime.pipeline.name)
        }
        return ClaimLanes(
            pipelines.keys.sorted().map { ClaimLanes.Lane(pipelines: pipelines[$0]!.sorted(), room: rooms[$0]!) })
    }

    /// The engine that runs `block`: its own spec's runtime's.
    private func engineName(of block: ClaimedBlock) -> String? {
        runtimes?.runtime(block.pipeline, specHash: block.specHash)?.engine.name
    }

    var currentRuntimes: PipelineRuntimes { runtimes ?? PipelineRuntimes(latest: [:]) }

    /// Renewal period: the shortest heartbeat of the running pipelines. Before the manifests are loaded, a short
    /// interval: a controller may already expect 3 beats within the shortest heartbeat of the applied pipelines.
    var heartbeatInterval: Duration {
        runtimes?.pipelines.map(\.pipeline.heartbeatInterval).min()?.duration ?? .milliseconds(200)
    }

    var leaseDuration: Duration {
        runtimes?.pipelines.map(\.pipeline.leaseDuration).max()?.duration ?? .seconds(60)
    }

    // MARK: Events

    var isStopped: Bool { leases.isStopped }
    var leasesToRenew: [ClaimedBlock] { leases.leasesToRenew }
    var finishedCount: Int { leases.finishedCount }

    func nextClaim(now: ContinuousClock.Instant) -> WorkerLeases<ClaimedBlock>.ClaimAction {
        leases.nextClaim(now: now)
    }

    func claimed(_ blocks: [ClaimedBlock]) -> WorkerLeases<ClaimedBlock>.ClaimedAction {
        leases.claimed(blocks)
    }

    /// Registers the task processing `block`; false (and the task is cancelled) when the lease was lost
    /// before the slot got to it.
    func start(_ block: ClaimedBlock, _ task: Task<BlockProcessor.Outcome, Never>) -> Bool {
        switch leases.slotStarts(block) {
        case .process:
            tasks[LeaseKey(block)] = task
            return true
        case .skip:
            task.cancel()
            return false
        }
    }

    /// The slot is done with `block`; true when the lease is still held, so the outcome is worth committing.
    func finish(_ block: ClaimedBlock) -> Bool {
        tasks[LeaseKey(block)] = nil
        if lanes.isActive, let engine = engineName(of: block) { finishedByEngine[engine, default: 0] += 1 }
        return leases.slotFinished(block) == .commit
    }

    func settled(_ blocks: [ClaimedBlock]) { leases.settled(blocks) }

    func renewed(_ asked: [ClaimedBlock], kept: Set<String>) -> WorkerLeases<ClaimedBlock>.LeaseLoss {
        stop(leases.renewed(asked, kept: kept))
    }

    func declaredDead() -> WorkerLeases<ClaimedBlock>.LeaseLoss { stop(leases.declaredDead()) }

    func drain() -> [ClaimedBlock] { leases.drain() }

    func graceEnded() -> WorkerLeases<ClaimedBlock>.LeaseLoss { stop(leases.graceEnded()) }

    func stop() { leases.stop() }

    /// Waits until some held block finishes (or `limit` passes), so claims come in large batches rather
    /// than one per freed slot.
    nonisolated func waitForRoom(upTo limit: Duration) async {
        let before = await finishedCount
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, await finishedCount == before {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Performs a lease loss: stops the processing of the lost blocks a slot was running.
    private func stop(_ loss: WorkerLeases<ClaimedBlock>.LeaseLoss) -> WorkerLeases<ClaimedBlock>.LeaseLoss {
        for block in loss.stopProcessing { tasks.removeValue(forKey: LeaseKey(block))?.cancel() }
        return loss
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
