import Foundation
import Logging
import Synchronization
import TraduCore
import TraduStore

/// The controller: a level-triggered reconcile loop. Every cycle it renews (or tries to take) the leader
/// lease; the leader schedules `created` blocks fairly within caps and rate limits, recovers expired leases,
/// dead instances and stalled blocks, and writes per-pipeline status. Standbys only keep trying the lease.
///
/// Leadership is decided by the `LeaderElection` state machine. Webhook deliveries run beside the cycle, in
/// a task of their own: a slow receiver must never hold up the cycle that renews the leader lease.
public final class Controller: Sendable {
    let identity: InstanceIdentity
    let settings: ControllerSettings
    let environment: String
    let logger: Logger
    let openStore: Worker.StoreFactory
    let shutdown: ShutdownSignal
    let state = ControllerState()
    let webhooks: WebhookDeliverer
    /// Whether this controller leads, as of its last cycle: the webhook task delivers only then.
    private let leading = Mutex(false)
    /// Promotes into this environment by itself while leading, when its manifests turn it on.
    let autoPromotion: AutoPromotion?
    /// A line per transition this controller makes (scheduled, requeued, dead-lettered, rollout steps).
    let transitionLog: TransitionLog
    /// The `jsonl` sinks, kept current while this controller leads.
    let sinks: SinkKeeper
    /// The manifests of the revision the leader last reconciled: what the sinks loop keeps.
    private let runningRevision = Mutex<ResolvedManifests?>(nil)

    public init(
        identity: InstanceIdentity = .make(role: "controller"), settings: ControllerSettings = ControllerSettings(),
        environment: String, logger: Logger, shutdown: ShutdownSignal, openStore: @escaping Worker.StoreFactory,
        autoPromotion: AutoPromotion? = nil
    ) {
        self.autoPromotion = autoPromotion
        self.identity = identity
        self.settings = settings
        self.environment = environment
        self.logger = identity.logger(logger, environment: environment)
        self.shutdown = shutdown
        let transitionLog = TransitionLog(logger: self.logger, environment: environment)
        self.transitionLog = transitionLog
        self.openStore = transitionLog.reporting(openStore)
        self.sinks = SinkKeeper(logger: self.logger)
        self.webhooks = WebhookDeliverer(
            environment: environment, variables: ProcessEnvironment.snapshot, logger: self.logger)
    }

    public func run() async throws {
        let opened = try await DatabaseStartup.waitingForDatabase("connect", logger: logger, shutdown: shutdown) {
            let store = try await openStore()
            do {
                try await store.registerInstance(
                    InstanceInfo(
                        id: identity.id, role: identity.role, host: identity.host, pid: identity.pid,
                        version: TraduVersion.current, concurrency: 0))
                try await store.listen(for: .freedRoom)
                try await store.preferOrderedIndexScans()
            } catch {
                await store.close()
                throw error
            }
            return store
        }
        guard let store = opened else { return }
        CounterSeries.declareProcess(environment: environment, role: identity.role)
        CounterSeries.declareController(environment: environment)
        logger.info("controller started")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.deliverWebhooks() }
            group.addTask { await self.keepSinks() }
            group.addTask { await self.driveRollouts() }
            if let autoPromotion { group.addTask { await self.autoPromote(autoPromotion) } }
            defer { group.cancelAll() }
            try await reconcileLoop(store)
        }
        try? await store.stopInstance(identity.id)
        logger.info("controller stopped")
        await store.close()
    }

    /// Until shutdown; errors other than the database's transient trouble end the controller.
    private func reconcileLoop(_ store: Store) async throws {
        var election = LeaderElection(
            candidate: identity.id, leaseDuration: settings.leaderLease, renewEvery: settings.tick)
        var applied = AppliedRevisionWatch(environment: environment)
        var lastHeartbeat = ContinuousClock.now - .seconds(60)
        while !shutdown.isRequested {
            let started = ContinuousClock.now
            var result = ReconcileResult(requeueAfter: settings.tick)
            do {
                if started - lastHeartbeat >= .milliseconds(250) {
                    try await heartbeat(store)
                    lastHeartbeat = started
                }
                if election.tick(now: started) == .renew {
                    let lease = try await store.acquireLeadership(holder: identity.id, ttl: settings.leaderLease)
                    log(election.renewed(.init(holder: lease.holder, term: lease.term), at: started))
                }
                let isLeading = election.isLeading(at: .now)
                leading.withLock { $0 = isLeading }
                TraduMetrics.gauge(
                    MetricNames.leader, isLeading ? 1 : 0, [("env", environment), ("controller", identity.id)])
                if isLeading {
                    try await applied.refresh(from: store)
                    if let current = applied.current {
                        let cycleID = RequestID.make()
                        var cycle = logger
                        cycle[metadataKey: "request_id"] = "\(cycleID)"
                        transitionLog.datasets.learn(current.resolved.pipelines.mapValues(\.dataset))
                        runningRevision.withLock { $0 = current.resolved }
                        result = try await TransitionLog.$requestID.withValue(cycleID) {
                            try await reconcile(store, applied: current, logger: cycle)
                        }
                    }
                }
            } catch let error as StoreError where error.isTransient {
                DatabaseTrouble.record(error, environment: environment, role: identity.role)
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)"])
                log(election.databaseLost())
                leading.withLock { $0 = false }
                await state.noteOutage()
                try? await Task.sleep(for: .milliseconds(500))
                try? await store.recover()
            }
            await pause(after: started, result, store)
        }
        // A leader that stops writes the counts it last saw, so the status rows a run leaves behind are its final
        // counts, not those of the last periodic write.
        if election.isLeading(at: .now), let current = applied.current {
            try? await writeStatus(store, resolved: current.resolved, applied: current)
        }
        leading.withLock { $0 = false }
        if election.shutdown() == .resign { try? await store.resignLeadership(holder: identity.id) }
    }

    /// Records that this process is alive; rejoins as live when another controller declared it dead.
    private func heartbeat(_ store: Store) async throws {
        if try await !store.heartbeatInstance(identity.id), try await store.rejoinInstance(identity.id) {
            TraduMetrics.count(MetricNames.instanceRejoins, 1, [("env", environment), ("role", identity.role)])
            logger.warning("this instance was marked dead by another controller; rejoined as live")
        }
    }

    private func log(_ transition: LeaderElection.Transition) {
        switch transition {
        case .none: break
        case .startedLeading(let term):
            logger.notice("leading", metadata: ["term": "\(term)", "leader": "\(identity.id)"])
        case .standingBy(let leader, let term):
            logger.notice("standing by", metadata: ["term": "\(term)", "leader": "\(leader)"])
        }
    }

    /// Waits for the next cycle: `result.requeueAfter`, or, when the cycle asked for it, until workers report
    /// finished blocks (a NOTIFY per commit) and at least `ControllerSettings.earlyWakeGap` passed. Notifications
    /// are drained either way.
    private func pause(after started: ContinuousClock.Instant, _ result: ReconcileResult, _ store: Store) async {
        if result.requeueOnFreedRoom {
            let cost = ContinuousClock.now - started
            let gap = settings.earlyWakeGap(cycleCost: cost) - cost
            if gap > .zero { try? await Task.sleep(for: gap) }
            let remaining = result.requeueAfter - (ContinuousClock.now - started)
            if remaining > .zero { _ = try? await store.waitForWakeup(timeout: remaining) }
        } else {
            _ = try? await store.waitForWakeup(timeout: .zero)
            let remaining = result.requeueAfter - (ContinuousClock.now - started)
            if remaining > .zero { try? await Task.sleep(for: remaining) }
        }
    }

    /// Auto-promotion while this controller leads, beside the cycle like webhooks: a promotion reads datasets and
    /// takes the environment lock, and must never hold up the lease renewal. Only changes of outcome are logged.
    private func autoPromote(_ promotion: AutoPromotion) async {
        var last: AutoPromotion.Outcome?
        while !shutdown.isRequested, !Task.isCancelled {
            try? await Task.sleep(for: promotion.interval)
            guard leading.withLock({ $0 }), !shutdown.isRequested else { continue }
            do {
                let outcome = try await promotion.attempt(actor: "controller:\(identity.id)")
                if outcome != last { logAutoPromotion(outcome) }
                last = outcome
            } catch {
                logger.warning("auto-promotion failed; retrying", metadata: ["error": "\(error)"])
                last = nil
            }
        }
    }

    private func logAutoPromotion(_ outcome: AutoPromotion.Outcome) {
        switch outcome {
        case .off: logger.debug("auto-promotion is off for this environment")
        case .held(let by, let freight):
            logger.info(
                "auto-promotion held by a manual rollback; `tradu promote --resume-auto` lifts it",
                metadata: ["held_by": "\(by)", "freight": "\(freight)"])
        case .upToDate: logger.info("auto-promotion: the source's latest freight already runs here")
        case .waiting(let reasons):
            logger.info(
                "auto-promotion waiting for its gates", metadata: ["reasons": "\(reasons.joined(separator: "; "))"])
        case .promoted(let revision):
            logger.notice("auto-promotion applied", metadata: ["revision": "\(revision.map(String.init) ?? "-")"])
        }
    }

    /// Drives canary rollouts while this controller leads, on a connection of its own beside the cycle: an
    /// analysis reads the sample's results and may run a check program for minutes, and must never hold up the
    /// lease renewal. Every write is conditional on the rollout's state, so a leader that lost its lease mid-way
    /// cannot apply a step twice.
    private func driveRollouts() async {
        let driver = RolloutDriver(
            actions: RolloutActions(environment: environment, logger: logger),
            analyst: RolloutAnalyst(
                variables: ProcessEnvironment.snapshot, projectRoot: FileManager.default.currentDirectoryPath),
            actor: "controller:\(identity.id)")
        await whileLeading("rollouts", every: settings.tick) { store in try await driver.reconcile(store()) }
    }

    /// Posts completed blocks to the pipelines' webhooks while this controller leads, on a connection of its
    /// own, beside the reconcile loop: a receiver that hangs for its whole timeout delays only deliveries.
    private func deliverWebhooks() async {
        var applied = AppliedRevisionWatch(environment: environment)
        await whileLeading("webhook deliveries", every: settings.tick) { store in
            let store = try await store()
            try await applied.refresh(from: store)
            if let current = applied.current { try await webhooks.deliver(store, resolved: current.resolved) }
        }
    }

    /// Keeps the `jsonl` sinks current while this controller leads, on a connection of its own beside the
    /// reconcile loop: rewriting a large sink never delays scheduling. The connection is opened only once the
    /// revision the leader runs has a `jsonl` sink.
    private func keepSinks() async {
        await whileLeading("sinks", every: max(settings.tick, .milliseconds(500))) { store in
            guard let resolved = runningRevision.withLock({ $0 }),
                resolved.pipelines.values.contains(where: {
                    $0.sinks.contains { if case .jsonl = $0 { true } else { false } }
                })
            else { return }
            try await sinks.keepCurrent(try await store(), resolved: resolved)
        }
    }

    /// Runs `body` every `interval` while this controller leads, with a connection of its own that `body` opens
    /// by calling the function it is given (so a pass with nothing to do opens none). The database's trouble is
    /// waited out; any other error is logged, and the next pass tries again.
    private func whileLeading(
        _ what: String, every interval: Duration, _ body: (() async throws -> Store) async throws -> Void
    ) async {
        var store: Store?
        while !shutdown.isRequested, !Task.isCancelled {
            if leading.withLock({ $0 }) {
                do {
                    try await body {
                        if let store { return store }
                        let opened = try await openStore()
                        store = opened
                        return opened
                    }
                } catch let error as StoreError where error.isTransient {
                    DatabaseTrouble.record(error, environment: environment, role: identity.role)
                    logger.warning("database unavailable for \(what); retrying", metadata: ["error": "\(error)"])
                    try? await store?.recover()
                } catch {
                    logger.error("\(what) failed", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: interval)
        }
        await store?.close()
    }

    /// One reconcile cycle against the environment's latest revision, as the leader runs it, on `store` (which
    /// this call sets up as the controller's own): for `tradu-bench scale`, which times cycles against a large
    /// backlog. Nil when nothing was applied.
    public func reconcileOnce(_ store: Store) async throws -> ReconcileResult? {
        guard let applied = try await AppliedManifests.load(from: store, environment: environment) else { return nil }
        try await store.preferOrderedIndexScans()
        return try await reconcile(store, applied: applied, logger: logger)
    }

    /// One reconcile cycle of the leader. Level-triggered: it looks at what is, not at what happened.
    func reconcile(_ store: Store, applied: AppliedManifests, logger: Logger) async throws -> ReconcileResult {
        let resolved = applied.resolved
        let maxAttempts = resolved.pipelines.mapValues { resolved.retryPolicy(for: $0).maxAttempts }

        // Watchdogs first, so recovered blocks count in this cycle's scheduling.
        // "Silent for 3 heartbeat intervals": the shortest heartbeat of the applied pipelines decides.
        let heartbeat = resolved.pipelines.values.map(\.heartbeatInterval.milliseconds).min() ?? 10_000
        let silence = min(settings.deadAfter, .milliseconds(3 * heartbeat))
        var recovered: [(reason: String, block: RecoveredBlock)] = []
        var dead: [String] = []
        if await state.watchdogsDue(every: min(settings.watchdogInterval, .milliseconds(heartbeat))) {
            // Right after this controller lost the database, every heartbeat and lease looks stale because nobody
            // could write them: give the other processes the same silence to reconnect before judging them.
            let judgeLeases = await state.mayJudgeLiveness(silence: silence)
            // A database short of space may still take this controller's writes (an update that fits on its page)
            // while it refuses the workers' renewals and heartbeats (which needed a new page): their silence would
            // then be the disk's, and blocks would fail for it. Before judging anyone by their silence, a write
            // that needs new space must pass; its refusal is an outage like any other (the cycle ends, and
            // judging waits the same silence after it).
            if judgeLeases, try await store.livenessDue(silentFor: silence) { try await store.probeWrite() }
            // Expired leases and blocks past their timeout in one pass over the leased blocks.
            recovered += try await store.requeueLapsed(
                judgeLeases: judgeLeases, timeouts: resolved.pipelines.mapValues { $0.blockTimeout.duration },
                maxAttempts: maxAttempts, instanceID: identity.id
            ).map { ($0.reason == Store.blockTimeoutReason ? "stalled" : "lease_expired", $0) }
            if judgeLeases {
                let sweep = try await store.sweepDeadInstances(
                    silentFor: silence, maxAttempts: maxAttempts, instanceID: identity.id)
                dead = sweep.dead
                recovered += sweep.recovered.map { ("instance_dead", $0) }
            }
        }
        // Each recovered block has its transition line (the store reports it); the counter is by reason.
        for (reason, block) in recovered {
            TraduMetrics.count(
                MetricNames.blocksRecovered, 1,
                [("env", environment), ("pipeline", block.pipeline), ("reason", reason), ("to", block.to)])
        }
        if !dead.isEmpty {
            logger.warning("marked instances dead", metadata: ["instances": "\(dead.joined(separator: ","))"])
            TraduMetrics.count(MetricNames.instancesDead, dead.count, [("env", environment)])
        }

        // Counted only as far as the decisions need: up to one step's worth of waiting blocks, and in-flight
        // blocks up to the largest cap that applies (none without caps).
        let environmentCap = resolved.environment.maxBlocksInFlight
        let pipelines = resolved.pipelines.values.sorted { $0.name < $1.name }
        let counted = try await store.demand(
            pipelines.map { pipeline in
                let caps = [pipeline.concurrency, environmentCap].compactMap { $0 }
                return (pipeline: pipeline.name, waitingUpTo: settings.tickLimit, inFlightUpTo: caps.max() ?? 0)
            })
        let pauses = try await store.pauses()
        let demands = pipelines.map { pipeline -> Rotator.Demand in
            Rotator.Demand(
                pipeline: pipeline.name, priority: pipeline.priority, waiting: counted[pipeline.name]?.waiting ?? 0,
                inFlight: counted[pipeline.name]?.inFlight ?? 0, cap: pipeline.concurrency, engine: pipeline.engine,
                suspended: pipeline.suspended || pauses[pipeline.name] != nil)
        }
        let budgets = await state.engineBudgets(resolved)
        var quotas = Rotator.quotas(
            demands, environmentCap: environmentCap, engineBudgets: budgets,
            tickLimit: settings.tickLimit)
        var holds: [String: PipelineConditions.Hold] = [:]
        for (name, pause) in pauses {
            holds[name, default: .init()].pause = "paused by \(pause.pausedBy) at \(pause.pausedAt): \(pause.reason)"
        }
        try await applyBudgets(store, resolved: resolved, quotas: &quotas, holds: &holds)
        await state.setHolds(holds)
        if !quotas.isEmpty {
            var scheduled: [String: Int] = [:]
            var exhausted = Set<String>()
            for step in ScheduleSteps.split(
                quotas, maxPerStep: settings.scheduleStep, firstStep: settings.firstScheduleStep)
            {
                let asked = step.filter { !exhausted.contains($0.key) }
                if asked.isEmpty { break }
                let enqueued = try await store.schedule(
                    asked.map { PipelineQuota(pipeline: $0.key, limit: $0.value) }, instanceID: identity.id)
                // A pipeline given fewer than asked has no more `created` blocks: the later steps skip it.
                for (pipeline, limit) in asked where enqueued[pipeline, default: 0] < limit {
                    exhausted.insert(pipeline)
                }
                scheduled.merge(enqueued, uniquingKeysWith: +)
            }
            await state.recordScheduled(scheduled, resolved)
        }
        if await state.statusDue() {
            let started = ContinuousClock.now
            try await writeStatus(store, resolved: resolved, applied: applied)
            await state.statusWritten(startedAt: started)
        }
        return ReconcileResult(
            requeueAfter: settings.tick,
            requeueOnFreedRoom: Self.capsHoldBack(demands, quotas: quotas, environmentCap: environmentCap))
    }

    /// Trims this cycle's quotas to what the budgets still allow (`BudgetGuard`), and records which pipelines a
    /// spent budget holds. Reads spend only when some budget is set.
    private func applyBudgets(
        _ store: Store, resolved: ResolvedManifests, quotas: inout [String: Int],
        holds: inout [String: PipelineConditions.Hold]
    ) async throws {
        let budgeted = resolved.pipelines.values.filter { $0.budget != nil }.map(\.name)
        let environmentBudget = resolved.environment.budget
        guard !budgeted.isEmpty || environmentBudget != nil else { return }
        let names = environmentBudget != nil ? Array(resolved.pipelines.keys) : budgeted
        // Blocks in flight first, then spend: two statements, two snapshots. A block that completes between them is
        // then counted twice (in flight and paid for), which only holds work back. Read the other way round, it
        // was counted nowhere, and the rotator let a window more start than the budget allowed (`CostTests`).
        let inFlight = try await store.inFlight(pipelines: names)
        let spend = try await store.spendByPipeline()
        func probe(_ pipeline: String) -> Int {
            resolved.pipelines[pipeline].flatMap { resolved.engines[$0.engine]?.concurrency } ?? 1
        }
        func text(_ spent: SpendRow, _ budget: Budget, inFlight: Int) -> String {
            var text =
                "spent \(CostFormat.money(spent.costMicros, budget.currency)) of"
                + " \(CostFormat.money(budget.maxMicros, budget.currency))"
            if inFlight > 0, spent.attempts > 0 {
                text +=
                    ", \(inFlight) blocks in flight at ~"
                    + CostFormat.money(spent.costMicros / spent.attempts, budget.currency) + " each"
            }
            return text
        }
        for name in budgeted.sorted() {
            guard let budget = resolved.pipelines[name]?.budget else { continue }
            let spent = spend[name] ?? .zero
            let allowed = BudgetGuard.allowance(
                budget: budget, spentMicros: spent.costMicros, attempts: spent.attempts,
                inFlight: inFlight[name] ?? 0, probeWindow: probe(name))
            if allowed == 0 {
                holds[name, default: .init()].budget =
                    "pipeline budget: " + text(spent, budget, inFlight: inFlight[name] ?? 0)
            }
            if let quota = quotas[name] { quotas[name] = min(quota, allowed) }
        }
        if let budget = environmentBudget {
            let total = spend.values.reduce(SpendRow.zero) { sum, row in
                var sum = sum
                sum.costMicros += row.costMicros
                sum.attempts += row.attempts
                return sum
            }
            var allowed = BudgetGuard.allowance(
                budget: budget, spentMicros: total.costMicros, attempts: total.attempts,
                inFlight: inFlight.values.reduce(0, +), probeWindow: names.map(probe).max() ?? 1)
            for name in quotas.keys.sorted() {
                let granted = min(quotas[name] ?? 0, allowed)
                quotas[name] = granted
                allowed -= granted
            }
            if allowed <= 0, quotas.values.allSatisfy({ $0 == 0 }) {
                for name in resolved.pipelines.keys where holds[name]?.budget == nil {
                    holds[name, default: .init()].budget =
                        "environment budget: " + text(total, budget, inFlight: inFlight.values.reduce(0, +))
                }
            }
        }
        quotas = quotas.filter { $0.value > 0 }
    }

    /// Whether some pipeline has waiting blocks that its own cap or the environment's keeps waiting.
    static func capsHoldBack(_ demands: [Rotator.Demand], quotas: [String: Int], environmentCap: Int?) -> Bool {
        let inFlight = demands.reduce(0) { $0 + $1.inFlight } + quotas.values.reduce(0, +)
        return demands.contains { demand in
            let granted = quotas[demand.pipeline] ?? 0
            guard !demand.suspended, demand.waiting > granted else { return false }
            let pipelineFull = demand.cap.map { demand.inFlight + granted >= $0 } ?? false
            let environmentFull = environmentCap.map { inFlight >= $0 } ?? false
            return pipelineFull || environmentFull
        }
    }

    private func writeStatus(_ store: Store, resolved: ResolvedManifests, applied: AppliedManifests) async throws {
        let counts = try await store.counts()
        let generations = try await store.pipelines().reduce(into: [String: Int64]()) { $0[$1.name] = $1.generation }
        var rows: [PipelineStatusRow] = []
        for name in resolved.pipelines.keys.sorted() {
            let byState = counts[name] ?? [:]
            for state in BlockState.allCases {
                TraduMetrics.gauge(
                    MetricNames.blocksByState, Double(byState.count(of: state)),
                    [("env", environment), ("pipeline", name), ("state", state.rawValue)])
            }
            let status = PipelineConditions.evaluate(byState, hold: await state.holds[name])
            rows.append(
                PipelineStatusRow(
                    pipeline: name,
                    counts: JSONValue.object(
                        byState.map { ($0.key.rawValue, .int($0.value)) }.sorted { $0.0 < $1.0 }
                    ).encoded(),
                    conditions: status.encoded(), observedGeneration: generations[name] ?? 0))
        }
        try await store.writeStatus(rows)
    }
}
