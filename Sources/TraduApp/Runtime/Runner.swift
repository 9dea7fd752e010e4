import Foundation
import Logging
import TraduCore
import TraduStore

/// `tradu run`: a controller and a worker pool in one process, until every block is final (or forever
/// with `watch`). Reports progress from the block counts.
public struct Runner: Sendable {
    public struct Summary: Sendable {
        public var counts: [String: BlockCounts]
        /// Webhook deliveries still pending when the run ended (the receiver kept failing).
        public var undeliveredWebhooks: Int
        /// The `jsonl` sink files written at the end of the run.
        public var exported: [ResultExporter.Written]
        /// From the start of the run until the monitor first saw every block final (nil with `watch`).
        public var allFinalAfter: Duration?
        /// Pipelines whose remaining blocks wait for a person (paused, budget spent, suspended), with why.
        public var held: [String: String] = [:]
        /// What this run's completions translated and reused, per pipeline (`segments` figures of `spend`).
        public var segments: [String: (translated: Int64, reused: Int64, unit: Segmentation)] = [:]

        public func total(_ state: BlockState) -> Int { counts.values.reduce(0) { $0 + $1.count(of: state) } }
        public var failed: Int { total(.failed) }
        public var completed: Int { total(.completed) }
    }

    public var environment: String
    public var worker: WorkerSettings
    public var controller: ControllerSettings
    public var variables: [String: String]
    public var logger: Logger
    public var watch: Bool

    public init(
        environment: String, worker: WorkerSettings, controller: ControllerSettings = ControllerSettings(),
        variables: [String: String], logger: Logger, watch: Bool
    ) {
        self.environment = environment
        var worker = worker
        // A run that ends when the work does should not wait out a long poll to notice it.
        if !watch { worker.pollInterval = min(worker.pollInterval, .milliseconds(200)) }
        self.worker = worker
        self.controller = controller
        self.variables = variables
        self.logger = logger
        self.watch = watch
    }

    /// Runs until every block is final (or, with `watch`, until shutdown).
    /// - Parameter progress: called with fresh counts on a cost-bounded schedule, for a progress display; without
    ///   one the run only asks whether any block is still active, which costs the same at any size.
    public func run(
        shutdown: ShutdownSignal, openStore: @escaping Worker.StoreFactory,
        progress: (@Sendable ([String: BlockCounts]) -> Void)? = nil
    ) async throws -> Summary {
        let started = ContinuousClock.now
        let identity = InstanceIdentity.make(role: "run")
        let controller = Controller(
            identity: InstanceIdentity(
                id: identity.id + "-controller", role: "controller", host: identity.host, pid: identity.pid),
            settings: self.controller, environment: environment, logger: logger, shutdown: shutdown,
            openStore: openStore)
        let worker = Worker(
            identity: InstanceIdentity(
                id: identity.id + "-worker", role: "worker", host: identity.host, pid: identity.pid),
            settings: self.worker, environment: environment, variables: variables, logger: logger, shutdown: shutdown,
            openStore: openStore)
        let monitor = try await openStore()
        defer { Task { await monitor.close() } }
        let spentBefore = (try? await monitor.spendByPipeline()) ?? [:]
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await controller.run() }
            group.addTask { try await worker.run() }
            var counts: [String: BlockCounts] = [:]
            var schedule = CostBoundedSchedule(minimumInterval: .milliseconds(250))
            var allFinalAfter: Duration?
            var held: [String: String] = [:]
            // Conditions written before this run (a budget since raised, a pause since lifted) are not this run's.
            let startedAt = Date()
            while !shutdown.isRequested {
                try? await Task.sleep(for: schedule.interval)
                var active: Bool
                do {
                    let started = ContinuousClock.now
                    if let progress {
                        counts = try await monitor.counts()
                        progress(counts)
                        active = !Self.allFinal(counts)
                    } else {
                        active = try await monitor.hasActiveBlocks()
                    }
                    // A rollout between two steps has every block final, yet more work to come. A paused one waits
                    // for a person: the run ends.
                    if !active, try await monitor.hasRolloutInMotion() { active = true }
                    // Only blocks that wait for a person remain (a pause, a spent budget, `suspended`): the run is
                    // over, and its summary says why they wait.
                    if active, !watch, let waiting = try await monitor.waitingPipelinesWithNothingInFlight(),
                        !waiting.isEmpty, !(try await monitor.hasRolloutInMotion())
                    {
                        let reasons = try await Self.holds(monitor, environment: environment, since: startedAt)
                        if waiting.allSatisfy({ reasons[$0] != nil }) {
                            held = reasons.filter { waiting.contains($0.key) }
                            active = false
                        }
                    }
                    schedule.record(start: started)
                } catch {
                    logger.warning("could not read progress", metadata: ["error": "\(error)"])
                    try? await monitor.recover()
                    continue
                }
                if !watch && !active {
                    allFinalAfter = ContinuousClock.now - started
                    shutdown.request()
                }
            }
            try await group.waitForAll()
            counts = (try? await monitor.counts()) ?? counts
            var summary = Summary(
                counts: counts, undeliveredWebhooks: 0, exported: [], allFinalAfter: allFinalAfter, held: held)
            guard let applied = try await AppliedManifests.load(from: monitor, environment: environment) else {
                return summary
            }
            for (pipeline, spent) in (try? await monitor.spendByPipeline()) ?? [:] {
                let before = spentBefore[pipeline] ?? .zero
                let translated = spent.segmentsTranslated - before.segmentsTranslated
                let reused = spent.segmentsReused - before.segmentsReused
                if translated + reused > 0 {
                    summary.segments[pipeline] = (
                        translated, reused, applied.resolved.pipelines[pipeline]?.segmentation ?? .document
                    )
                }
            }
            summary.undeliveredWebhooks = try await flushWebhooks(monitor, applied)
            summary.exported = try await SinkExport.run(applied, store: monitor)
            return summary
        }
    }

    /// Blocks are final, but their webhooks may not all be delivered: deliver for up to 30 s more.
    private func flushWebhooks(_ store: Store, _ applied: AppliedManifests) async throws -> Int {
        let deliverer = WebhookDeliverer(environment: environment, variables: variables, logger: logger)
        guard !WebhookDeliverer.targets(applied.resolved, variables: variables).isEmpty else { return 0 }
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            try await deliverer.deliver(store, resolved: applied.resolved)
            let pending = try await store.pendingDeliveries()
            if pending == 0 || ContinuousClock.now >= deadline { return pending }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Pipelines the leading controller holds, with the message of the condition that says why (`BudgetExhausted`,
    /// `Paused`), from the status it writes; and pipelines the manifests suspend.
    static func holds(_ store: Store, environment: String, since: Date) async throws -> [String: String] {
        var holds: [String: String] = [:]
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        for status in try await store.statuses() {
            guard let text = status.updatedAt, let written = parser.date(from: text) ?? plain.date(from: text),
                written > since
            else { continue }
            guard let conditions = try? JSONText.parse(status.conditions, name: "conditions"),
                case .array(let items) = conditions
            else { continue }
            for item in items where item["status"] == .string("True") {
                guard let type = item["type"]?.stringValue, type == "BudgetExhausted" || type == "Paused" else {
                    continue
                }
                holds[status.pipeline] = "\(type): \(item["message"]?.stringValue ?? "")"
            }
        }
        if let applied = try await AppliedManifests.load(from: store, environment: environment) {
            for pipeline in applied.resolved.pipelines.values where pipeline.suspended {
                holds[pipeline.name] = "suspended in the manifests"
            }
        }
        return holds
    }

    static func allFinal(_ counts: [String: BlockCounts]) -> Bool {
        counts.values.allSatisfy { $0.activeCount == 0 }
    }
}
