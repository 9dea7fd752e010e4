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
            return store
        }
        guard let store = opened else { return }
        logger.info("controller started")
        var wasLeader = false
        var lastHeartbeat = ContinuousClock.now - .seconds(60)
        while !shutdown.isRequested {
            let started = ContinuousClock.now
            do {
                if started - lastHeartbeat >= .milliseconds(250) {
                    if try await !store.heartbeatInstance(identity.id), try await store.rejoinInstance(identity.id) {
                        logger.warning("this instance was marked dead by another controller; rejoined as live")
                    }
                    lastHeartbeat = started
                }
                let leadership = try await store.acquireLeadership(holder: identity.id, ttl: settings.leaderLease)
                TraduMetrics.gauge(
                    MetricNames.leader, leadership.isLeader ? 1 : 0,
                    [("env", environment), ("controller", identity.id)])
                if leadership.isLeader != wasLeader {
                    logger.notice(
                        leadership.isLeader ? "leading" : "standing by",
                        metadata: ["term": "\(leadership.term)", "leader": "\(leadership.holder)"])
                    wasLeader = leadership.isLeader
                }
                if leadership.isLeader {
                    var cycle = logger
                    cycle[metadataKey: "request_id"] = "\(RequestID.make())"
                    try await reconcile(store, logger: cycle)
                }
            } catch let error as PostgresError where error.isConnectionLoss || error.isTransient {
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)"])
                await state.noteOutage()
                try? await Task.sleep(for: .milliseconds(500))
                try? await store.connection.reconnectIfNeeded()
            }
            let elapsed = ContinuousClock.now - started
            if elapsed < settings.tick { try? await Task.sleep(for: settings.tick - elapsed) }
        }
        if wasLeader { try? await store.resignLeadership(holder: identity.id) }
        try? await store.stopInstance(identity.id)
        logger.info("controller stopped")
        await store.close()
    }

    /// One reconcile cycle. Level-triggered: it looks at what is, not at what happened.
    func reconcile(_ store: Store, logger: Logger) async throws {
        guard let applied = try await state.applied(loadingFrom: store, environment: environment) else { return }
        let resolved = applied.resolved
        let maxAttempts = resolved.pipelines.mapValues { resolved.retryPolicy(for: $0).maxAttempts }

        // Watchdogs first, so recovered blocks count in this cycle's scheduling.
        // "Silent for 3 heartbeat intervals": the shortest heartbeat of the applied pipelines decides.
        let heartbeat = resolved.pipelines.values.map(\.heartbeatInterval.milliseconds).min() ?? 10_000
        let silence = min(settings.deadAfter, .milliseconds(3 * heartbeat))
        var expired: [RecoveredBlock] = []
        var dead: [String] = []
        // Right after this controller lost the database, every heartbeat and lease looks stale because nobody
        // could write them: give the other processes the same silence to reconnect before judging them.
        if await state.mayJudgeLiveness(silence: silence) {
            expired = try await store.requeueExpiredLeases(maxAttempts: maxAttempts, instanceID: identity.id)
            dead = try await store.markDeadInstances(
                silentFor: silence, maxAttempts: maxAttempts, instanceID: identity.id)
        }
        let stalled = try await store.requeueStalled(
            timeouts: resolved.pipelines.mapValues { .milliseconds($0.blockTimeout.milliseconds) },
            maxAttempts: maxAttempts)
        for block in expired + stalled {
            logger.warning(
                "recovered block",
                metadata: ["block_id": "\(block.id)", "pipeline": "\(block.pipeline)", "to": "\(block.to)"])
        }
        if !dead.isEmpty {
            logger.warning("marked instances dead", metadata: ["instances": "\(dead.joined(separator: ","))"])
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
            demands, environmentCap: resolved.environment.maxBlocksInFlight, engineBudgets: budgets,
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
