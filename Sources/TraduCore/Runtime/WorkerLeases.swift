/// A worker's leases: the claimed blocks it holds by (id, attempt), which of them a slot is processing, how
/// many to hold (the prefetch target), what a lost lease stops, and what a drain gives back.
///
/// A value type in the style of postgres-nio's state machines: every event is a `mutating func` that returns
/// what the `Worker` must do (process, skip, commit, discard, stop processing, release). The worker performs the
/// actions; nothing here does I/O or reads a clock.
public struct WorkerLeases<Block: Leased>: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Slots: blocks processed at once.
        public var concurrency: Int
        /// At most this many blocks held beyond the slots, however fast blocks finish.
        public var prefetchCap: Int
        /// At most this many blocks claimed in one statement.
        public var maxClaim: Int

        public init(concurrency: Int, prefetchCap: Int, maxClaim: Int = 512) {
            precondition(concurrency > 0, "a worker needs at least one slot")
            self.concurrency = concurrency
            self.prefetchCap = prefetchCap
            self.maxClaim = maxClaim
        }
    }

    enum Phase: Sendable, Hashable {
        /// Claiming and processing.
        case running
        /// Shutting down: no new claims; running blocks may finish within the grace period.
        case draining
        /// Nothing held any more, or the grace period ended.
        case stopped
    }

    public let settings: Settings
    private var held: [String: Block] = [:]
    private var running: Set<String> = []
    private(set) var phase = Phase.running
    private var rate = PrefetchRate()
    /// Blocks no longer held (committed, refused, lost or released): drives the rate and `waitForRoom`.
    public private(set) var finishedCount = 0
    /// Held blocks a slot has finished, whose outcomes wait for their commit.
    private var processed: Set<String> = []
    /// Blocks slots have finished, ever, and how many of them when the last claim returned.
    private var processedCount = 0
    private var processedAtLastClaim = 0
    /// What the last claim asked for, and whether it got all of it (the queue had more).
    private var lastAsk = 0
    private var lastClaimWasFull = false
    /// The prefetch that slow start has reached (0 when not ramping): see `nextClaim`.
    private var slowStart = 0
    /// The slots that can run: `settings.concurrency`, or fewer when the engines can run fewer blocks at once
    /// (`limitSlots(to:)`).
    public private(set) var concurrency: Int

    public init(settings: Settings) {
        self.settings = settings
        concurrency = settings.concurrency
    }

    /// Holds no more blocks than `capacity` can run at once (nil: the slots): blocks held beyond what the engines
    /// run would wait for them with their leases renewed and their timeouts running. Claims follow at once; blocks
    /// already held are kept.
    public mutating func limitSlots(to capacity: Int?) {
        concurrency = max(1, min(settings.concurrency, capacity ?? settings.concurrency))
    }

    public var heldCount: Int { held.count }
    public var isStopped: Bool { phase == .stopped }
    public var isDraining: Bool { phase != .running }

    /// Whether this worker still holds `block`'s lease for this very attempt (the same block may come back
    /// with a later attempt after a requeue).
    public func holds(_ block: Block) -> Bool {
        held[block.id]?.attempt == block.attempt
    }

    /// The leases to renew at a heartbeat.
    public var leasesToRenew: [Block] { Array(held.values) }

    /// Held blocks no slot has finished yet: running, or waiting for a slot (what each engine's lane counts).
    public var unprocessed: [Block] { held.values.filter { !processed.contains($0.id) } }

    // MARK: Claiming

    public enum ClaimAction: Sendable, Hashable {
        /// Claim up to `limit` blocks.
        case claim(limit: Int)
        /// Enough is held: wait until some block finishes (claims come in large batches, not one per slot).
        case waitForRoom
        /// Draining or stopped: claim nothing more.
        case stop
    }

    /// How many to hold: the slots plus about one second of work at the measured rate (or what slow start has
    /// reached, until the next measurement), within the cap.
    public mutating func target(now: ContinuousClock.Instant) -> Int {
        if rate.update(finished: finishedCount, now: now) { slowStart = 0 }
        return concurrency + min(settings.prefetchCap, max(concurrency, Int(rate.perSecond), slowStart))
    }

    /// What to claim next. Claims only when at least half the target is free, or a slot would idle.
    ///
    /// Slow start (TCP's): when the slots have nothing left to start, they finished blocks since the last claim,
    /// and that claim got all it asked for, the worker is held back by its own target, not by its engine or the
    /// queue: the prefetch doubles, once per claim, until the rate measured over the next window takes over. A
    /// fresh worker with a fast engine otherwise claimed a few blocks at a time for its first quarter second (the
    /// first window), then followed its smoothed rate up over several more. A slow engine never leaves its slots
    /// without work to start, and a short queue never fills a claim, so neither grows the prefetch.
    public mutating func nextClaim(now: ContinuousClock.Instant) -> ClaimAction {
        guard phase == .running else { return .stop }
        var target = target(now: now)
        let starved = held.count - running.count - processed.count == 0 && running.count < concurrency
        if starved, lastClaimWasFull, processedCount > processedAtLastClaim {
            slowStart = min(settings.prefetchCap, 2 * (target - concurrency))
            lastClaimWasFull = false
            target = concurrency + max(target - concurrency, slowStart)
        }
        let room = target - held.count
        guard room > 0, room * 2 >= target || held.count < concurrency else { return .waitForRoom }
        lastAsk = min(room, settings.maxClaim)
        return .claim(limit: lastAsk)
    }

    public enum ClaimedAction: Sendable, Hashable {
        /// Hand the blocks to the slots.
        case process
        /// The worker began draining while the claim ran: give the blocks back at once.
        case release([Block])
    }

    /// A claim committed these blocks to this worker.
    public mutating func claimed(_ blocks: [Block]) -> ClaimedAction {
        guard phase == .running else { return blocks.isEmpty ? .process : .release(blocks) }
        for block in blocks { held[block.id] = block }
        lastClaimWasFull = lastAsk > 0 && blocks.count >= lastAsk
        processedAtLastClaim = processedCount
        return .process
    }

    // MARK: Processing

    public enum StartAction: Sendable, Hashable {
        case process
        /// The lease was lost (or the block released) before a slot got to it.
        case skip
    }

    /// A slot is about to process `block`.
    public mutating func slotStarts(_ block: Block) -> StartAction {
        guard holds(block) else { return .skip }
        running.insert(block.id)
        return .process
    }

    public enum FinishAction: Sendable, Hashable {
        /// The lease is still held: commit the outcome.
        case commit
        /// The lease was lost while processing: the block belongs to someone else, drop the outcome.
        case discard
    }

    /// A slot finished processing `block`.
    public mutating func slotFinished(_ block: Block) -> FinishAction {
        guard holds(block) else { return .discard }
        running.remove(block.id)
        processed.insert(block.id)
        processedCount += 1
        return .commit
    }

    /// The outcomes of `blocks` were committed, refused (lease lost) or could not be recorded at all: stop
    /// holding them. A later attempt of the same block, claimed meanwhile, stays held.
    public mutating func settled(_ blocks: [Block]) {
        for block in blocks { forget(block) }
        stopIfIdle()
    }

    // MARK: Heartbeats

    /// Leases the database no longer gives this worker: stop processing the ones running, skip the others.
    public struct LeaseLoss: Sendable, Hashable {
        public var lost: [Block]
        /// Of `lost`, the ones a slot is processing now: cancel their processing.
        public var stopProcessing: [Block]
    }

    /// A renewal asked for `asked` and the database kept only the ids in `kept`.
    ///
    /// A block whose outcome waits for its commit is left to that commit: a renewal that runs on its own
    /// connection while the commit completes the block waits for the commit's row locks, then finds the block no
    /// longer leased, and answers before the commit does. Judged here, it was reported lost although its outcome
    /// was just committed (a false `leases lost` under load). Really lost, its outcome is refused by the commit's
    /// fence, and the commit settles it either way.
    public mutating func renewed(_ asked: [Block], kept: Set<String>) -> LeaseLoss {
        lose(asked.filter { !kept.contains($0.id) && !processed.contains($0.id) })
    }

    /// The instance was declared dead by a controller: every lease is gone.
    public mutating func declaredDead() -> LeaseLoss {
        lose(Array(held.values))
    }

    private mutating func lose(_ blocks: [Block]) -> LeaseLoss {
        var lost: [Block] = []
        var stop: [Block] = []
        for block in blocks where holds(block) {
            if running.contains(block.id) { stop.append(block) }
            forget(block)
            lost.append(block)
        }
        stopIfIdle()
        return LeaseLoss(lost: lost, stopProcessing: stop)
    }

    // MARK: Draining

    /// Shutdown begins: claim nothing more. Returns the held blocks no slot started, to release now.
    public mutating func drain() -> [Block] {
        guard phase == .running else { return [] }
        phase = .draining
        let unstarted = held.values.filter { !running.contains($0.id) }
        for block in unstarted { forget(block) }
        stopIfIdle()
        return unstarted
    }

    /// The grace period ended with blocks still running: release everything still held, and stop.
    public mutating func graceEnded() -> LeaseLoss {
        let loss = lose(Array(held.values))
        phase = .stopped
        return loss
    }

    /// Stops outright (claiming failed): whatever is held is left to expire or to be released by the caller.
    public mutating func stop() {
        phase = .stopped
    }

    // MARK: Private

    private mutating func forget(_ block: Block) {
        guard holds(block) else { return }
        held[block.id] = nil
        running.remove(block.id)
        processed.remove(block.id)
        finishedCount += 1
    }

    private mutating func stopIfIdle() {
        if phase == .draining, held.isEmpty { phase = .stopped }
    }
}

extension WorkerLeases.LeaseLoss: Equatable {}
