import Foundation
import Logging
import TraduCore
import TraduHTTP
import TraduStore

/// A worker process: claims enqueued blocks in batches (`FOR UPDATE SKIP LOCKED`), processes them in
/// `concurrency` slots, renews their leases by heartbeat, and commits outcomes in group commits fenced by
/// (block id, attempt). On shutdown it stops claiming, lets running blocks finish within a grace period,
/// and releases the rest.
///
/// A thin driver: which blocks it holds, how many to claim, what a lost lease stops and what a drain gives
/// back are decided by the `WorkerLeases` state machine (in `WorkerState`); this class performs the I/O.
public final class Worker: Sendable {
    public typealias StoreFactory = @Sendable () async throws -> Store

    let identity: InstanceIdentity
    let settings: WorkerSettings
    let environment: String
    let variables: [String: String]
    let logger: Logger
    let openStore: StoreFactory
    let shutdown: ShutdownSignal
    let state: WorkerState
    /// Engine calls and provider batches share it. It runs a transfer per slot at once, and a few more for the
    /// provider batches' uploads and polls: with a fixed 16, a worker with more slots held their blocks (and
    /// renewed their leases) while they waited for a transfer, so 32 slots called a slow engine as 16 did.
    let httpClient: HTTPClient
    /// Each engine's requests held to its `concurrency`, across the worker's slots.
    let engineGates = EngineGates()
    /// A line per transition this worker makes (claimed, completed, failed, released, sent to a provider batch).
    let transitionLog: TransitionLog

    public init(
        identity: InstanceIdentity = .make(role: "worker"), settings: WorkerSettings, environment: String,
        variables: [String: String], logger: Logger, shutdown: ShutdownSignal, openStore: @escaping StoreFactory
    ) {
        self.identity = identity
        self.settings = settings
        self.httpClient = HTTPClient(maxConcurrentRequests: max(16, settings.concurrency + 4))
        self.environment = environment
        self.variables = variables
        self.logger = identity.logger(logger, environment: environment)
        self.shutdown = shutdown
        let transitionLog = TransitionLog(logger: self.logger, environment: environment)
        self.transitionLog = transitionLog
        self.openStore = transitionLog.reporting(openStore)
        self.state = WorkerState(
            settings: .init(concurrency: settings.concurrency, prefetchCap: settings.prefetch))
    }

    /// Runs until shutdown is requested, then drains and returns.
    public func run() async throws {
        let stores = try await DatabaseStartup.waitingForDatabase("connect", logger: logger, shutdown: shutdown) {
            // All three or none: a connection slot taken by a failed attempt (too many connections, 53300) would
            // keep the next attempt from ever succeeding.
            var opened: [Store] = []
            do {
                for _ in 0..<3 { opened.append(try await openStore()) }
                try await opened[0].registerInstance(
                    InstanceInfo(
                        id: identity.id, role: identity.role, host: identity.host, pid: identity.pid,
                        version: TraduVersion.current, concurrency: settings.concurrency))
                try await opened[0].listen(for: .work)
                try await opened[0].preferOrderedIndexScans()
            } catch {
                for store in opened { await store.close() }
                throw error
            }
            return (opened[0], opened[1], opened[2])
        }
        guard let (claimStore, flushStore, beatStore) = stores else { return }
        CounterSeries.declareProcess(environment: environment, role: identity.role)
        logger.info("worker started", metadata: ["concurrency": "\(settings.concurrency)"])

        let queue = AsyncQueue<WorkItemInProgress>()
        let outcomes = OutcomeBuffer()
        let slotsDone = SlotCounter(slots: settings.concurrency)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.heartbeatLoop(beatStore) }
            group.addTask { try await self.flushLoop(flushStore, outcomes) }
            group.addTask { try await self.batchLoop(self.openStore) }
            for _ in 0..<settings.concurrency {
                group.addTask {
                    while let work = await queue.take() {
                        guard let outcome = await self.process(work) else { continue }
                        await outcomes.add(WorkOutcome(block: work.block, result: outcome, claimedAt: work.claimedAt))
                    }
                    await slotsDone.finish()
                }
            }
            var failure: (any Error)?
            do {
                try await self.claimLoop(claimStore, queue)
            } catch {
                // Stop everything else too, or the other loops would keep the process alive.
                failure = error
                self.logger.error("claiming failed; stopping", metadata: ["error": "\(error)"])
                self.shutdown.request()
            }

            // Draining: nothing new; blocks no slot started go back at once; running ones get the grace period.
            // Leases that cannot be released (database down) simply expire and a controller requeues them.
            let unstarted = await self.state.drain()
            _ = await queue.drain()
            await queue.close()
            try? await self.release(claimStore, unstarted, reason: "worker shutting down")
            let finished = await slotsDone.wait(upTo: self.settings.shutdownGrace)
            await outcomes.close()
            if !finished {
                let loss = await self.state.graceEnded()
                try? await self.release(claimStore, loss.lost, reason: "shutdown grace period ended")
            }
            await self.state.stop()
            if !finished || failure != nil { group.cancelAll() }
            try await group.waitForAll()
            if let failure { throw failure }
        }
        try? await claimStore.stopInstance(identity.id)
        logger.info("worker stopped")
        await claimStore.close()
        await flushStore.close()
        await beatStore.close()
    }

    // MARK: Processing

    /// Processes one claimed block in a slot; nil when the lease was lost before or during processing (the
    /// block belongs to someone else now, and its outcome would be refused anyway).
    private func process(_ work: WorkItemInProgress) async -> BlockProcessor.Outcome? {
        let task = Task { () -> BlockProcessor.Outcome in
            guard let runtime = work.runtime else {
                return .failed(
                    BlockFailure(.logic, "pipeline '\(work.block.pipeline)' is not in the applied manifests"))
            }
            return await BlockProcessor(runtime: runtime)
                .process(work.block, instanceID: self.identity.id, memory: work.memory, prepared: work.prepared)
        }
        guard await state.start(work.block, task) else { return nil }
        let outcome = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        guard await state.finish(work.block) else {
            logger.info(
                "outcome discarded: the lease was lost while processing",
                metadata: [
                    "block_id": "\(work.block.id)", "pipeline": "\(work.block.pipeline)",
                    "attempt": "\(work.block.attempt)",
                ])
            return nil
        }
        return outcome
    }

    // MARK: Claiming

    private func claimLoop(_ store: Store, _ queue: AsyncQueue<WorkItemInProgress>) async throws {
        var applied = AppliedRevisionWatch(environment: environment)
        var strays = StrayLeaseCheck(now: .now)
        while !shutdown.isRequested {
            do {
                // Once a heartbeat interval: a stray must go back before its lease lapses (at least two).
                if strays.isDue(now: .now, interval: await state.heartbeatInterval) {
                    try await releaseStrays(store)
                    strays.checked(at: .now)
                }
                try await claimOnce(store, queue, &applied)
            } catch let error as StoreError where error.isTransient {
                strays.claimFailed()
                DatabaseTrouble.record(error, environment: environment, role: identity.role)
                logger.warning("database unavailable while claiming; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
                try? await store.recover()
            }
        }
    }

    /// Gives back, uncharged, the blocks leased to this worker that it does not hold (`StrayLeaseCheck`): a claim
    /// whose reply was lost leased them, and nothing would renew them. What it holds is read first: a block it
    /// completes meanwhile is no longer `in_process`, and `release` is fenced on that.
    private func releaseStrays(_ store: Store) async throws {
        let held = Set(await state.leasesToRenew.map(\.id))
        let strays = try await store.leasedBlocks(instanceID: identity.id).filter { !held.contains($0.id) }
        guard !strays.isEmpty else { return }
        let released = try await store.release(instanceID: identity.id, held: strays, reason: "claim reply lost")
        logger.warning(
            "released blocks a claim leased without its reply arriving",
            metadata: [
                "count": "\(released.count)", "blocks": "\(released.sorted().prefix(5).joined(separator: ","))",
            ])
    }

    /// One claiming step: claim what fits, or wait for work.
    private func claimOnce(
        _ store: Store, _ queue: AsyncQueue<WorkItemInProgress>, _ applied: inout AppliedRevisionWatch
    ) async throws {
        if try await applied.refresh(from: store), let current = applied.current {
            CounterSeries.declareWorker(environment: environment, pipelines: current.resolved.pipelines.keys)
            transitionLog.datasets.learn(current.resolved.pipelines.mapValues(\.dataset))
            await state.install(
                try await PipelineRuntimes.load(
                    current, store: store, environment: environment, variables: variables, httpClient: httpClient,
                    gates: engineGates))
            logger.info("running revision", metadata: ["revision": "\(current.revision)"])
        }
        guard let runtimes = await state.runtimes else {
            try await waitForWork(store)
            return
        }
        let limit: Int
        switch await state.nextClaim(now: .now) {
        case .stop: return
        case .waitForRoom:
            await state.waitForRoom(upTo: .milliseconds(20))
            return
        case .claim(let room): limit = room
        }
        // Each engine's lane: a slow engine's blocks must not fill the worker while another engine's slots idle.
        let lanes = await state.claimLanes(now: .now)
        if !lanes.isEmpty, lanes.leavesNothingOf(runtimes.pipelines.map(\.pipeline.name)) {
            await state.waitForRoom(upTo: settings.pollInterval)
            return
        }
        let leaseDuration = await state.leaseDuration
        let claimed = try await TransitionLog.$requestID.withValue("claim-" + RequestID.make().dropFirst(2)) {
            try await store.claim(instanceID: identity.id, limit: limit, leaseDuration: leaseDuration, lanes: lanes)
        }
        guard !claimed.isEmpty else {
            // With a lane full, what is enqueued may all be its engine's: its room comes back as its outcomes commit.
            if lanes.lanes.contains(where: { $0.room <= 0 }) {
                await state.waitForRoom(upTo: settings.pollInterval)
            } else {
                try await waitForWork(store)
            }
            return
        }
        if case .release(let blocks) = await state.claimed(claimed) {
            try await release(store, blocks, reason: "worker shutting down")
            return
        }
        var queuedSeconds: [String: [Double]] = [:]
        for block in claimed { queuedSeconds[block.pipeline, default: []].append(block.queuedSeconds) }
        for (pipeline, seconds) in queuedSeconds {
            TraduMetrics.time(
                MetricNames.queuedToClaimed, seconds: seconds, [("env", environment), ("pipeline", pipeline)])
        }
        // The claim is committed: whatever happens next, the blocks go to the slots. A failed memory lookup
        // only costs engine calls; it must never strand claimed blocks.
        let prepared = prepare(claimed, runtimes)
        let memory: [String: String]
        do {
            memory = try await lookupMemory(store, prepared)
        } catch {
            logger.warning(
                "translation memory lookup failed; processing without it", metadata: ["error": "\(error)"])
            memory = [:]
        }
        for block in claimed {
            await queue.put(
                WorkItemInProgress(
                    block: block, runtime: runtimes.runtime(block.pipeline, specHash: block.specHash), memory: memory,
                    prepared: prepared[block.id]))
        }
    }

    /// One query for the whole claimed batch: the translation memory never costs a round trip per block.
    func lookupMemory(_ store: Store, _ blocks: [ClaimedBlock], _ runtimes: PipelineRuntimes)
        async throws -> [String: String]
    {
        try await lookupMemory(store, prepare(blocks, runtimes))
    }

    func lookupMemory(_ store: Store, _ prepared: [String: PreparedUnits]) async throws -> [String: String] {
        let keys = Set(prepared.values.flatMap(\.keys))
        return keys.isEmpty ? [:] : try await store.lookupMemory(keys: Array(keys))
    }

    /// Each block's units and memory keys, computed once for the memory lookup and the attempt. A block whose
    /// units cannot be read is left out: its attempt meets the same failure and reports it.
    func prepare(_ blocks: [ClaimedBlock], _ runtimes: PipelineRuntimes) -> [String: PreparedUnits] {
        var prepared: [String: PreparedUnits] = [:]
        for block in blocks {
            guard let runtime = runtimes.runtime(block.pipeline, specHash: block.specHash),
                let units = try? PreparedUnits(block, runtime: runtime)
            else { continue }
            prepared[block.id] = units
        }
        return prepared
    }

    /// Sleeps until a NOTIFY says work was enqueued, or the poll interval passes.
    private func waitForWork(_ store: Store) async throws {
        do {
            try await store.waitForWakeup(timeout: settings.pollInterval)
        } catch let error as StoreError where error.isTransient {
            DatabaseTrouble.record(error, environment: environment, role: identity.role)
            try await Task.sleep(for: .milliseconds(500))
            try? await store.recover()
        }
    }

    // MARK: Committing

    private func flushLoop(_ store: Store, _ outcomes: OutcomeBuffer) async throws {
        while true {
            let batch = await outcomes.next(max: settings.flushBatch, within: settings.flushDelay)
            if batch.isEmpty { return }
            try await TransitionLog.$requestID.withValue("commit-" + RequestID.make().dropFirst(2)) {
                try await commitRetrying(batch, store)
            }
        }
    }

    /// Commits a batch: its completions, its failed attempts and its hand-overs to provider batches, each part in a
    /// transaction of its own, one after another.
    ///
    /// A part is retried while the database is away or in trouble (`StoreError.isTransient`: lost connection,
    /// full disk, out of memory or connections, shutdown), under one commit token for all its tries: a try after
    /// one that broke off mid-commit finds out from the store whether that one committed (`commit_marks`), and
    /// then neither writes again nor counts its spend twice.
    ///
    /// A part the database refuses for another reason is isolated instead of stopping the flushing: each of its
    /// outcomes is committed on its own, and a result that cannot be stored fails its block with the database's
    /// message, as a `data` error when the database said the value or a constraint was at fault (SQLSTATE class 22
    /// or 23), as a `logic` error otherwise.
    func commitRetrying(_ batch: [WorkOutcome], _ store: Store) async throws {
        let runtimes = await state.currentRuntimes
        let parts = commitParts(of: batch, runtimes)
        let capped = batch.contains { runtimes[$0.block.pipeline]?.capped ?? true }
        var done = Set<String>()
        var refusedParts: [(outcomes: [WorkOutcome], error: Error)] = []
        for part in [CommitPart.completions, .failures, .providerBatches] {
            let outcomes = batch.filter { CommitPart(of: $0.result) == part }
            guard !outcomes.isEmpty else { continue }
            do {
                done.formUnion(
                    try await retryingWhileTransient(store) { token in
                        switch part {
                        case .completions:
                            try await store.complete(
                                parts.completions, memory: parts.memory, notifyFreed: capped, token: token)
                        case .failures:
                            try await store.fail(parts.failures, notifyFreed: capped, token: token)
                        case .providerBatches:
                            try await enterProviderBatches(parts.batched, store, runtimes, token: token)
                        }
                    })
            } catch {
                logger.error(
                    "committing outcomes failed", metadata: ["error": "\(error)", "count": "\(outcomes.count)"])
                refusedParts.append((outcomes, error))
            }
        }
        let isolated = Set(refusedParts.flatMap { $0.outcomes.map(\.block.id) })
        let kept = batch.filter { !isolated.contains($0.block.id) }
        record(kept, committed: done, runtimes: runtimes)
        let refused = kept.map(\.block.id).filter { !done.contains($0) }
        if !refused.isEmpty {
            // A renewal leaves blocks whose outcomes wait for their commit to it: here their lost leases count.
            TraduMetrics.count(MetricNames.leasesLost, refused.count, [("env", environment)])
            logger.warning(
                "outcomes refused: the lease was lost (block requeued, re-claimed or cancelled)",
                metadata: ["blocks": "\(refused.prefix(5).joined(separator: ","))", "count": "\(refused.count)"])
        }
        await state.settled(kept.map(\.block))
        for (outcomes, error) in refusedParts {
            if outcomes.count > 1 {
                for outcome in outcomes { try await commitRetrying([outcome], store) }
            } else if case .completed = outcomes[0].result {
                let errorClass = (error as? StoreError)?.blockErrorClass ?? .logic
                let failed = outcomes[0].with(
                    result: .failed(BlockFailure(errorClass, "the result could not be stored: \(error)")))
                try await commitRetrying([failed], store)
            } else {
                // Not even the failure could be recorded: stop renewing the lease, so that it expires and a
                // controller requeues the block (its attempts still count).
                await state.settled(outcomes.map(\.block))
            }
        }
    }

    /// Runs one transaction's `commit` until it is not stopped by the database's trouble, passing the same commit
    /// token to every try.
    private func retryingWhileTransient(_ store: Store, _ commit: (UUID) async throws -> Set<String>) async throws
        -> Set<String>
    {
        let token = UUID()
        var attempts = 0
        while true {
            do {
                return try await commit(token)
            } catch let error as StoreError where error.isTransient {
                // The database's trouble (disk full, restart, ...), not the blocks': the outcomes stay here and are
                // committed once it passes. Their leases lapse only if it lasts past them, and the controller, which
                // meets the same trouble, gives workers three heartbeats after it before judging any lease.
                DatabaseTrouble.record(error, environment: environment, role: identity.role)
                attempts += 1
                logger.warning(
                    "database unavailable while committing outcomes; retrying",
                    metadata: ["error": "\(error)", "attempt": "\(attempts)"])
                try await Task.sleep(for: .milliseconds(min(200 * attempts, 2000)))
                try? await store.recover()
            }
        }
    }

    /// A batch's outcomes as the store takes them: completions with the memory entries they learned, failed
    /// attempts with their retry decisions (made once, so every try of the commit writes the same), and the
    /// requests of blocks handed to provider batches.
    private func commitParts(of batch: [WorkOutcome], _ runtimes: PipelineRuntimes) -> CommitParts {
        var parts = CommitParts()
        for outcome in batch {
            switch outcome.result {
            case .completed(let block, let learned):
                parts.completions.append(block)
                parts.memory += learned
            case .batched(let requests):
                parts.batched.append((outcome.block, requests))
            case .failed(let failure, let spent):
                let block = outcome.block
                let policy = runtimes[block.pipeline]?.policy ?? .default
                let decision = RetryDecision.decide(
                    policy: policy, attempt: block.attempt - block.attemptBase, failure: failure,
                    random: Double.random(in: 0..<1))
                var retryAfter: Duration?
                if case .retry(let delay) = decision { retryAfter = delay.duration }
                var message = failure.message
                if case .fail(let reason) = decision { message += " (\(reason))" }
                TraduMetrics.count(
                    retryAfter == nil ? MetricNames.deadLettered : MetricNames.retries, 1,
                    [("env", environment), ("pipeline", block.pipeline)])
                var attempt = FailedAttempt(
                    id: block.id, attempt: block.attempt, instanceID: outcome.owner ?? identity.id,
                    errorClass: failure.errorClass.rawValue,
                    message: message, retryAfter: retryAfter)
                attempt.inputTokens = spent.input
                attempt.outputTokens = spent.output
                if let pricing = runtimes.runtime(block.pipeline, specHash: block.specHash)?.engine.pricing {
                    attempt.costMicros = pricing.micros(
                        input: Int64(spent.input), output: Int64(spent.output), batch: spent.batch)
                    attempt.currency = pricing.currency
                }
                parts.failures.append(attempt)
            }
        }
        return parts
    }

    /// Throughput, latency per stage, failures, retries and dead letters of a committed batch.
    private func record(_ batch: [WorkOutcome], committed: Set<String>, runtimes: PipelineRuntimes) {
        // Money is spent whether the outcome was committed or refused by the fence.
        for outcome in batch {
            let engine = runtimes.runtime(outcome.block.pipeline, specHash: outcome.block.specHash)?.engine
            guard let engine, let pricing = engine.pricing else { continue }
            let micros: Int64
            switch outcome.result {
            case .completed(let block, _): micros = block.costMicros
            case .failed(_, let spent):
                micros = pricing.micros(input: Int64(spent.input), output: Int64(spent.output), batch: spent.batch)
            case .batched: continue
            }
            TraduMetrics.count(
                MetricNames.costMicros, Int(micros),
                [
                    ("env", environment), ("pipeline", outcome.block.pipeline), ("engine", engine.name),
                    ("currency", pricing.currency),
                ])
        }
        // Completions are summed per pipeline first: one counter update per pipeline and batch, not per block.
        var completed: [String: CompletionSums] = [:]
        let now = ContinuousClock.now
        for outcome in batch where committed.contains(outcome.block.id) {
            let labels = [("env", environment), ("pipeline", outcome.block.pipeline)]
            let seconds = (now - outcome.claimedAt).seconds
            switch outcome.result {
            case .completed(let block, _):
                completed[outcome.block.pipeline, default: CompletionSums()].add(
                    documents: block.records.newlineCount, processing: seconds,
                    endToEnd: outcome.block.ageSeconds + seconds)
            case .failed(let failure, _):
                TraduMetrics.count(MetricNames.attemptsFailed, 1, labels + [("class", failure.errorClass.rawValue)])
            case .batched:
                TraduMetrics.count(MetricNames.blocksBatched, 1, labels)
            }
        }
        for (pipeline, sums) in completed {
            let labels = [("env", environment), ("pipeline", pipeline)]
            TraduMetrics.count(MetricNames.blocksCompleted, sums.blocks, labels)
            TraduMetrics.count(MetricNames.documentsCompleted, sums.documents, labels)
            TraduMetrics.time(MetricNames.processing, seconds: sums.processing, labels)
            TraduMetrics.time(MetricNames.endToEnd, seconds: sums.endToEnd, labels)
        }
    }

    private func release(_ store: Store, _ blocks: [ClaimedBlock], reason: String) async throws {
        guard !blocks.isEmpty else { return }
        try await store.release(
            instanceID: identity.id, held: blocks.map { (id: $0.id, attempt: $0.attempt) }, reason: reason)
        await state.settled(blocks)
        logger.info("released blocks", metadata: ["count": "\(blocks.count)", "reason": "\(reason)"])
    }

    // MARK: Heartbeats

    private func heartbeatLoop(_ store: Store) async throws {
        while await !state.isStopped {
            // Sleep in short steps: a stopping worker must not wait out a whole interval, and the interval
            // itself becomes known (and may shrink) once the applied manifests are loaded.
            let last = ContinuousClock.now
            while await !state.isStopped, ContinuousClock.now - last < (await state.heartbeatInterval) {
                try? await Task.sleep(for: .milliseconds(50))
            }
            if await state.isStopped { return }
            do {
                TraduMetrics.count(MetricNames.heartbeats, 1, [("env", environment), ("role", identity.role)])
                if try await !store.heartbeatInstance(identity.id) {
                    // Cut off long enough to be declared dead (e.g. by a partition): the blocks it held are
                    // being taken back, so forget them and rejoin as live rather than exit.
                    let loss = await state.declaredDead()
                    if try await store.rejoinInstance(identity.id) {
                        TraduMetrics.count(
                            MetricNames.instanceRejoins, 1, [("env", environment), ("role", identity.role)])
                        logger.warning(
                            "this instance was marked dead by a controller; its leases are gone; rejoined as live",
                            metadata: ["count": "\(loss.lost.count)"])
                    }
                    continue
                }
                let held = await state.leasesToRenew
                guard !held.isEmpty else { continue }
                let kept = try await store.renewLeases(
                    instanceID: identity.id, held: held.map { (id: $0.id, attempt: $0.attempt) },
                    leaseDuration: await state.leaseDuration)
                let loss = await state.renewed(held, kept: kept)
                if !loss.lost.isEmpty {
                    TraduMetrics.count(MetricNames.leasesLost, loss.lost.count, [("env", environment)])
                    logger.warning(
                        "leases lost (requeued or cancelled); their processing stops and outcomes are discarded",
                        metadata: [
                            "count": "\(loss.lost.count)",
                            "blocks": "\(loss.lost.prefix(5).map(\.id).joined(separator: ","))",
                        ])
                }
            } catch {
                DatabaseTrouble.record(error, environment: environment, role: identity.role)
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                try? await store.recover()
            }
        }
    }
}

/// A claimed block on its way to a slot. `runtime` is nil when the block's pipeline is not in the applied
/// manifests any more (it will be failed as a logic error).
/// A pipeline's completions in one commit, for its metrics.
private struct CompletionSums {
    var blocks = 0
    var documents = 0
    var processing: [Double] = []
    var endToEnd: [Double] = []

    mutating func add(documents: Int, processing: Double, endToEnd: Double) {
        blocks += 1
        self.documents += documents
        self.processing.append(processing)
        self.endToEnd.append(endToEnd)
    }
}

/// A claimed block on its way to a slot. A class, never changed: it passes through a queue and the slots' hands,
/// and a struct's copy retained every string of the block and its units each time.
final class WorkItemInProgress: Sendable {
    let block: ClaimedBlock
    let runtime: PipelineRuntime?
    let memory: [String: String]
    let prepared: PreparedUnits?
    let claimedAt = ContinuousClock.now

    init(block: ClaimedBlock, runtime: PipelineRuntime?, memory: [String: String], prepared: PreparedUnits?) {
        self.block = block
        self.runtime = runtime
        self.memory = memory
        self.prepared = prepared
    }
}
