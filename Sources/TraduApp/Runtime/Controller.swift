import Foundation
import Logging
import TraduCore
import TraduPostgres
import TraduStore

/// The controller: a level-triggered reconcile loop. Every cycle it renews (or tries to take) the leader
/// lease; the leader schedules `created` blocks fairly within caps and rate limits, recovers expired leases,
/// dead instances and stalled blocks, and writes per-pipeline status. Standbys only keep trying the lease.
public final class Controller: Sendable {
    let identity: InstanceIdentity
    let settings: ControllerSettings
    let environment: String
    let logger: Logger
    let openStore: Worker.StoreFactory
    let shutdown: ShutdownSignal
    let state = ControllerState()
    let webhooks: WebhookDeliverer

    public init(
        identity: InstanceIdentity = .make(role: "controller"), settings: ControllerSettings = ControllerSettings(),
        environment: String, logger: Logger, shutdown: ShutdownSignal, openStore: @escaping Worker.StoreFactory
    ) {
        self.identity = identity
        self.settings = settings
        self.environment = environment
        var logger = logger
        logger[metadataKey: "instance_id"] = "\(identity.id)"
        logger[metadataKey: "env"] = "\(environment)"
        self.logger = logger
        self.shutdown = shutdown
        self.openStore = openStore
        self.webhooks = WebhookDeliverer(
            environment: environment, variables: ProcessEnvironment.snapshot, logger: logger)
    }

    public func run() async throws {
        let opened = try await DatabaseStartup.waitingForDatabase("connect", logger: logger, shutdown: shutdown) {
            let store = try await openStore()
            try await store.registerInstance(
                InstanceInfo(
                    id: identity.id, role: identity.role, host: identity.host, pid: identity.pid,
                    version: TraduVersion.current, concurrency: 0))
            try await store.connection.listen(store.freedChannel)
            return store
        }
        guard let store = opened else { return }
        logger.info("controller started")
        var wasLeader = false
        var lastHeartbeat = ContinuousClock.now - .seconds(60)
        var lastRenewal = ContinuousClock.now - .seconds(60)
        var leadership: Leadership?
        while !shutdown.isRequested {
            let started = ContinuousClock.now
            var heldBack = false
            do {
                if started - lastHeartbeat >= .milliseconds(250) {
                    if try await !store.heartbeatInstance(identity.id), try await store.rejoinInstance(identity.id) {
                        TraduMetrics.count(
                            MetricNames.instanceRejoins, 1, [("env", environment), ("role", identity.role)])
                        logger.warning("this instance was marked dead by another controller; rejoined as live")
                    }
                    lastHeartbeat = started
                }
                // Renewed once a tick: early wake-ups need not touch the lease row, which lasts many ticks.
                let current: Leadership
                if let leadership, started - lastRenewal < settings.tick {
                    current = leadership
                } else {
                    current = try await store.acquireLeadership(holder: identity.id, ttl: settings.leaderLease)
                    leadership = current
                    lastRenewal = started
                }
                TraduMetrics.gauge(
                    MetricNames.leader, current.isLeader ? 1 : 0,
                    [("env", environment), ("controller", identity.id)])
                if current.isLeader != wasLeader {
                    logger.notice(
                        current.isLeader ? "leading" : "standing by",
                        metadata: ["term": "\(current.term)", "leader": "\(current.holder)"])
                    wasLeader = current.isLeader
                }
                if current.isLeader {
                    var cycle = logger
                    cycle[metadataKey: "request_id"] = "\(RequestID.make())"
                    heldBack = try await reconcile(store, logger: cycle)
                }
            } catch let error as PostgresError where error.isConnectionLoss || error.isTransient {
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)"])
                leadership = nil
                await state.noteOutage()
                try? await Task.sleep(for: .milliseconds(500))
                try? await store.connection.reconnectIfNeeded()
            }
            await pause(after: started, heldBack: heldBack, store)
        }
        if wasLeader { try? await store.resignLeadership(holder: identity.id) }
        try? await store.stopInstance(identity.id)
        logger.info("controller stopped")
        await store.close()
    }

    /// Waits for the next cycle: a tick, or, while a cap holds blocks back, until workers report finished
    /// blocks (a NOTIFY per commit) and at least `minimumGap` passed. Notifications are drained either way.
    private func pause(after started: ContinuousClock.Instant, heldBack: Bool, _ store: Store) async {
        if heldBack {
            let gap = settings.minimumGap - (ContinuousClock.now - started)
            if gap > .zero { try? await Task.sleep(for: gap) }
            let remaining = settings.tick - (ContinuousClock.now - started)
            if remaining > .zero { _ = try? await store.connection.waitForNotifications(timeout: remaining) }
        } else {
            _ = try? await store.connection.waitForNotifications(timeout: .zero)
            let remaining = settings.tick - (ContinuousClock.now - started)
            if remaining > .zero { try? await Task.sleep(for: remaining) }
        }
    }

    /// One reconcile cycle. Level-triggered: it looks at what is, not at what happened. Returns whether a
    /// concurrency cap held waiting blocks back (so room freed by workers is worth acting on at once).
    @discardableResult
    func reconcile(_ store: Store, logger: Logger) async throws -> Bool {
        guard let applied = try await state.applied(loadingFrom: store, environment: environment) else { return false }
        let resolved = applied.resolved
        let maxAttempts = resolved.pipelines.mapValues { resolved.retryPolicy(for: $0).maxAttempts }

        // Watchdogs first, so recovered blocks count in this cycle's scheduling.
        // "Silent for 3 heartbeat intervals": the shortest heartbeat of the applied pipelines decides.
        let heartbeat = resolved.pipelines.values.map(\.heartbeatInterval.milliseconds).min() ?? 10_000
        let silence = min(settings.deadAfter, .milliseconds(3 * heartbeat))
        var recovered: [(reason: String, block: RecoveredBlock)] = []
        var dead: [String] = []
        // Right after this controller lost the database, every heartbeat and lease looks stale because nobody
        // could write them: give the other processes the same silence to reconnect before judging them.
        if await state.mayJudgeLiveness(silence: silence) {
            recovered += try await store.requeueExpiredLeases(maxAttempts: maxAttempts, instanceID: identity.id)
                .map { ("lease_expired", $0) }
            let sweep = try await store.sweepDeadInstances(
                silentFor: silence, maxAttempts: maxAttempts, instanceID: identity.id)
            dead = sweep.dead
            recovered += sweep.recovered.map { ("instance_dead", $0) }
        }
        recovered += try await store.requeueStalled(
            timeouts: resolved.pipelines.mapValues { .milliseconds($0.blockTimeout.milliseconds) },
            maxAttempts: maxAttempts, instanceID: identity.id
        ).map { ("stalled", $0) }
        for (reason, block) in recovered {
            logger.warning(
                "recovered block",
                metadata: [
                    "block_id": "\(block.id)", "pipeline": "\(block.pipeline)", "to": "\(block.to)",
                    "reason": "\(reason)", "instance_id": "\(block.instanceID ?? "")", "attempt": "\(block.attempt)",
                ])
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
        let demands = pipelines.map { pipeline -> Rotator.Demand in
            Rotator.Demand(
                pipeline: pipeline.name, priority: pipeline.priority, waiting: counted[pipeline.name]?.waiting ?? 0,
                inFlight: counted[pipeline.name]?.inFlight ?? 0, cap: pipeline.concurrency, engine: pipeline.engine,
                suspended: pipeline.suspended)
        }
        let budgets = await state.engineBudgets(resolved)
        let quotas = Rotator.quotas(
            demands, environmentCap: environmentCap, engineBudgets: budgets,
            tickLimit: settings.tickLimit)
        if !quotas.isEmpty {
            let scheduled = try await store.schedule(
                quotas.map { PipelineQuota(pipeline: $0.key, limit: $0.value) }, instanceID: identity.id)
            await state.recordScheduled(scheduled, resolved)
        }
        if await state.statusDue() {
            let started = ContinuousClock.now
            try await writeStatus(store, resolved: resolved, applied: applied)
            await state.statusWritten(startedAt: started)
        }
        try await webhooks.deliver(store, resolved: resolved)
        return Self.capsHoldBack(demands, quotas: quotas, environmentCap: environmentCap)
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
                    MetricNames.blocksByState, Double(byState[state.rawValue] ?? 0),
                    [("env", environment), ("pipeline", name), ("state", state.rawValue)])
            }
            let status = PipelineConditions.evaluate(byState)
            rows.append(
                PipelineStatusRow(
                    pipeline: name,
                    counts: JSONValue.object(byState.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
                        .encoded(),
                    conditions: status.encoded(), observedGeneration: generations[name] ?? 0))
        }
        try await store.writeStatus(rows)
    }
}
