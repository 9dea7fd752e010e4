import Foundation
import Logging
import TraduCore
import TraduStore

/// What on-call does to and reads from one environment: status, blocks, a block's trace, instances, history,
/// export, retry and cancel. The command line and the HTTP API are thin shells over this one service.
///
/// Each call opens the environment's store, does one thing and closes it.
public struct OperatorService: Sendable {
    public var target: EnvironmentTarget
    public var logger: Logger
    /// When set, every statement of every call is cut off past it (the HTTP API sets 5 s).
    public var statementTimeout: Duration?
    /// Connections kept between calls (the API server's); nil: each call opens and closes its own.
    public var pool: StorePool?
    /// Where the project is: release actions (approve, promote) read its manifests and datasets again, and locate
    /// the environment promoted from. nil: not offered.
    public var project: ProjectLocation?

    public init(target: EnvironmentTarget, logger: Logger, project: ProjectLocation? = nil) {
        self.target = target
        self.logger = logger
        self.project = project
    }

    /// The service for `environment`, located as every operator command does (see `EnvironmentTarget`).
    public static func locate(
        directory: String, environment: String, resolver: DatabaseResolver, logger: Logger, projectRoot: String? = nil
    ) async throws -> OperatorService {
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: environment, resolver: resolver, logger: logger)
        return OperatorService(
            target: target, logger: logger,
            project: ProjectLocation(directory: directory, resolver: resolver, root: projectRoot))
    }

    public var environment: String { target.environment.name }

    // MARK: Reading

    /// Above this many blocks (by the planner's estimate), `status` shows the counts the leading controller
    /// maintains instead of counting every block (about 0.9 s a million on this machine kind).
    public static let exactCountLimit = 1_000_000

    /// Counts by state, recent throughput and the controller's status, per pipeline. Counts are exact up to
    /// `exactCountLimit` blocks, or with `exact`; above it they are the controller's, with their age, when it
    /// maintains them for every pipeline.
    public func status(exact: Bool = false) async throws -> StatusReport {
        try await withStore { store in
            let statuses = Dictionary(
                try await store.statuses().map { ($0.pipeline, $0) }, uniquingKeysWith: { first, _ in first })
            var counts: [String: BlockCounts]
            var countsAsOf: String?
            if !exact, try await store.estimatedBlockCount() > Self.exactCountLimit,
                let maintained = Self.maintainedCounts(statuses, pipelines: try await store.pipelines().map(\.name))
            {
                (counts, countsAsOf) = maintained
            } else {
                counts = try await store.counts()
            }
            let recent = try await store.completedRecently(seconds: 60)
            var writeFailure: StoreError?
            do { try await store.probeWrite() } catch let error as StoreError { writeFailure = error }
            return StatusReport(
                environment: environment, counts: counts, countsAsOf: countsAsOf, completedLastMinute: recent,
                statuses: statuses, databaseWriteFailure: writeFailure,
                rollouts: Dictionary(
                    try await store.latestRollouts().map { ($0.pipeline, $0) }, uniquingKeysWith: { a, _ in a }),
                spend: try await store.spendByPipeline(), pauses: try await store.pauses(),
                inProviderBatches: try await store.blocksWaitingInProviderBatches(),
                segmentation: try await store.pipelines().reduce(into: [:]) { bySegmentation, pipeline in
                    bySegmentation[pipeline.name] = Self.segmentation(of: pipeline)
                })
        }
    }

    /// The counts the controller last wrote for every pipeline, and when the oldest of them was written; nil
    /// when a pipeline has none (no controller ran since it was applied).
    static func maintainedCounts(_ statuses: [String: PipelineStatusRow], pipelines: [String])
        -> ([String: BlockCounts], String)?
    {
        var counts: [String: BlockCounts] = [:]
        var oldest: String?
        for pipeline in pipelines {
            guard let status = statuses[pipeline], let updated = status.updatedAt,
                case .object(let members)? = try? JSONText.parse(status.counts, name: "pipeline status")
            else { return nil }
            var byState = BlockCounts()
            for (name, value) in members {
                if let state = BlockState(rawValue: name), case .int(let count) = value { byState[state] = count }
            }
            counts[pipeline] = byState
            oldest = min(oldest ?? updated, updated)
        }
        return oldest.map { (counts, $0) }
    }

    /// The segmentation a stored pipeline's processing spec names (`document` when it names none).
    static func segmentation(of pipeline: StoredPipeline) -> Segmentation {
        guard let spec = try? JSONText.parse(pipeline.processingSpec, name: "processing spec"),
            let name = spec["pipeline"]?["segmentation"]?.stringValue
        else { return .document }
        return Segmentation(rawValue: name) ?? .document
    }

    /// Pauses or resumes the scheduling of a pipeline's blocks (nothing is cancelled), recording who and why.
    /// Returns false when it already was in that state.
    public func setPaused(_ paused: Bool, pipeline: String, actor: String, reason: String, via: String = "cli")
        async throws -> Bool
    {
        try await withStore { store in
            guard try await store.pipelines().contains(where: { $0.name == pipeline }) else {
                throw TraduError.notFound("pipeline '\(pipeline)' is not applied in \(environment)")
            }
            return try await store.setPaused(paused, pipeline: pipeline, actor: actor, reason: reason, via: via)
        }
    }

    /// Spend per revision (the revision that last planned the blocks), for `tradu history`.
    public func spendByRevision() async throws -> [Int64: SpendRow] {
        try await withStore { try await $0.spendByRevision() }
    }

    /// Blocks matching every given filter, most recently changed first.
    public func blocks(_ filter: BlockFilter) async throws -> [BlockSummary] {
        try await withStore { store in
            try await store.listBlocks(
                state: filter.state, pipeline: filter.pipeline, errorClass: filter.errorClass, limit: filter.limit)
        }
    }

    /// Every transition of the block whose id is `prefix` or starts with it (ids are listed shortened).
    public func trace(_ prefix: String) async throws -> BlockTrace {
        try await withStore { store in
            let matches = try await store.resolveBlockID(prefix)
            guard matches.count == 1 else {
                throw TraduError.configuration(
                    matches.isEmpty
                        ? "no block id starts with '\(prefix)'"
                        : "'\(prefix)' matches several blocks; give more of the id")
            }
            return BlockTrace(blockID: matches[0], events: try await store.events(blockID: matches[0]))
        }
    }

    /// Live and dead processes.
    public func instances() async throws -> [InstanceRow] {
        try await withStore { try await $0.instances() }
    }

    /// Applied revisions, newest first.
    public func history(limit: Int) async throws -> [Revision] {
        try await withStore { try await $0.revisions(limit: limit) }
    }

    /// Writes results as JSON Lines under `directory`.
    public func export(pipeline: String?, to directory: String) async throws -> [ResultExporter.Written] {
        try await withStore { try await ResultExporter().export(from: $0, pipeline: pipeline, to: directory) }
    }

    // MARK: Acting

    /// Sends failed (or cancelled) blocks back to the queue with a fresh retry budget, recording who, why and from
    /// where (`cli` or `api`). Returns how many.
    public func retry(
        _ selection: BlockSelection, actor: String = Actor.current, reason: String = "", via: String = "cli"
    ) async throws -> Int {
        try await withStore { store in
            let store = try await reporting(store)
            let count: Int
            switch selection {
            case .ids(let ids): count = try await store.retryBlocks(ids: ids)
            case .pipeline(let pipeline, let state):
                count = try await store.retryBlocks(pipeline: pipeline, states: [state ?? .failed])
            }
            try await store.recordOperatorAction(
                "retry", pipeline: selection.pipeline, actor: actor, reason: reason, via: via,
                detail: "\(count) block\(count == 1 ? "" : "s"): \(selection)")
            return count
        }
    }

    /// Cancels blocks (a worker holding one stops at its next heartbeat), recording who, why and from where.
    /// Returns how many.
    public func cancel(
        _ selection: BlockSelection, actor: String = Actor.current, reason: String = "", via: String = "cli"
    ) async throws -> Int {
        try await withStore { store in
            let store = try await reporting(store)
            let count: Int
            switch selection {
            case .ids(let ids):
                count = try await store.cancelBlocks(ids: ids, reason: "cancelled by \(actor)")
            case .pipeline(let pipeline, let state):
                // Without a state: every state an operator may cancel from.
                let states = state.map { [$0] } ?? BlockLifecycle.sources(of: .cancelled, cause: .operatorAction)
                count = try await store.cancelBlocks(pipeline: pipeline, states: states)
            }
            try await store.recordOperatorAction(
                "cancel", pipeline: selection.pipeline, actor: actor, reason: reason, via: via,
                detail: "\(count) block\(count == 1 ? "" : "s"): \(selection)")
            return count
        }
    }

    /// `store`, logging each block an operator action moves (at info, with the command's or request's id).
    func reporting(_ store: Store) async throws -> Store {
        var store = store
        let datasets = Dictionary(try await store.pipelines().map { ($0.name, $0.dataset) }) { first, _ in first }
        store.transitions =
            TransitionLog(logger: logger, environment: environment, datasets: DatasetDirectory(datasets)).observer
        return store
    }

    /// The audit: the most recent operator actions, newest first.
    public func actions(limit: Int) async throws -> [OperatorActionRow] {
        try await withStore { try await $0.operatorActions(limit: limit) }
    }

    /// A connection of its own, for a reader that lives longer than one call (the API's event feed), limited by
    /// `statementTimeout`. `applicationName` names its session in `pg_stat_activity`.
    func openStore(applicationName: String? = nil) async throws -> Store {
        let store = try await Store.open(
            url: target.url, schema: EnvironmentSchema(name: target.environment.schema), logger: logger,
            applicationName: applicationName)
        if let statementTimeout { try await store.limitStatements(to: statementTimeout) }
        return store
    }

    /// A pool for this environment's connections, each limited like `openStore`'s.
    public func makePool(capacity: Int) -> StorePool {
        StorePool(capacity: capacity) { [self] in try await self.openStore(applicationName: "tradu api") }
    }

    func withStore<T: Sendable>(_ body: (Store) async throws -> T) async throws -> T {
        if let pool {
            let store = try await pool.take()
            do {
                let result = try await body(store)
                await pool.giveBack(store)
                return result
            } catch {
                await store.close()
                throw error
            }
        }
        return try await Store.withStore(
            url: target.url, schema: EnvironmentSchema(name: target.environment.schema), logger: logger
        ) { store in
            if let statementTimeout { try await store.limitStatements(to: statementTimeout) }
            return try await body(store)
        }
    }
}

/// A project's manifests folder, the resolver that locates its databases, and the directory its dataset paths
/// are relative to (and may not leave): the current directory unless given.
public struct ProjectLocation: Sendable {
    public var directory: String
    public var resolver: DatabaseResolver
    public var root: String

    public init(directory: String, resolver: DatabaseResolver, root: String? = nil) {
        self.directory = directory
        self.resolver = resolver
        self.root = root ?? FileManager.default.currentDirectoryPath
    }
}

/// Which blocks an operator means: by id, or every block of a pipeline (in one state).
public enum BlockSelection: Sendable, Hashable, CustomStringConvertible {
    case ids([String])
    case pipeline(String, state: BlockState?)

    var pipeline: String? {
        if case .pipeline(let name, _) = self { return name }
        return nil
    }

    /// `ids 1f3a…, 9c2e…` or `pipeline docs, state failed`, for the audit.
    public var description: String {
        switch self {
        case .ids(let ids):
            "ids " + ids.prefix(20).joined(separator: ", ") + (ids.count > 20 ? " and \(ids.count - 20) more" : "")
        case .pipeline(let name, let state): "pipeline \(name)" + (state.map { ", state \($0.rawValue)" } ?? "")
        }
    }
}

/// `tradu blocks list`'s filters.
public struct BlockFilter: Sendable, Hashable {
    public var state: BlockState?
    public var pipeline: String?
    public var errorClass: ErrorClass?
    public var limit: Int

    public init(state: BlockState? = nil, pipeline: String? = nil, errorClass: ErrorClass? = nil, limit: Int = 100) {
        self.state = state
        self.pipeline = pipeline
        self.errorClass = errorClass
        self.limit = limit
    }
}

/// One block's whole path.
public struct BlockTrace: Sendable, Hashable {
    public var blockID: String
    public var events: [BlockEvent]
}

// MARK: The API's reads

extension OperatorService {
    /// A page of blocks in id order after `after` (keyset: never an offset, never a count), as the API shows it:
    /// `{"items": [...], "next": "<id>"}`, `next` absent on the last page.
    public func blockPage(
        state: BlockState?, pipeline: String?, language: String?, errorClass: ErrorClass?, dataset: String?,
        after: String?, limit: Int
    ) async throws -> JSONValue {
        let filter = BlockPageFilter(
            state: state, pipeline: pipeline, targetLanguage: language, errorClass: errorClass?.rawValue,
            dataset: dataset)
        let blocks = try await withStore { try await $0.blockPage(filter, after: after, limit: limit) }
        var body: [(String, JSONValue)] = [("items", .array(blocks.map(APIPresenter.block)))]
        if blocks.count == limit, let last = blocks.last { body.append(("next", .string(last.id))) }
        return .object(body)
    }

    /// One block with a page of its events (after event `eventsAfter`) and its result versions, as the API shows
    /// it; nil when there is no such block.
    public func blockDetail(id: String, eventsAfter: Int64, eventLimit: Int) async throws -> JSONValue? {
        try await withStore { store in
            guard let block = try await store.blockSummary(id: id) else { return nil }
            let events = try await store.eventPage(blockID: id, after: eventsAfter, limit: eventLimit)
            var fields: [(String, JSONValue)] = [
                ("block", APIPresenter.block(block)), ("events", .array(events.map(APIPresenter.event))),
                ("results", .array(try await store.resultVersions(blockID: id).map(APIPresenter.result))),
            ]
            if events.count == eventLimit, let last = events.last {
                fields.append(("nextEvent", .int(Int(last.sequence))))
            }
            return .object(fields)
        }
    }

    /// Live and dead processes, as the API shows them.
    public func instancesJSON() async throws -> JSONValue {
        .object([("items", .array(try await instances().map(APIPresenter.instance)))])
    }

    /// The environment as the API shows it: its pipelines' names and whether the database accepts writes. No
    /// block is counted.
    public func environmentJSON() async throws -> JSONValue {
        try await withStore { store in
            var writeFailure: StoreError?
            do { try await store.probeWrite() } catch let error as StoreError { writeFailure = error }
            var report = StatusReport(environment: environment, counts: [:], completedLastMinute: [:], statuses: [:])
            report.databaseWriteFailure = writeFailure
            return .object([
                ("name", .string(environment)),
                ("pipelines", .array(try await store.pipelines().map { .string($0.name) })),
                ("conditions", .array([report.databaseCondition])),
            ])
        }
    }

    /// The pipelines as the API shows them: counts by state and conditions as the leading controller last wrote
    /// them (with when), never counted per request, so the answer costs the same at 10M blocks; spend, pause and
    /// blocks waiting in provider batches beside them.
    public func pipelinesJSON() async throws -> JSONValue {
        try await withStore { store in
            let statuses = Dictionary(try await store.statuses().map { ($0.pipeline, $0) }) { first, _ in first }
            let spend = try await store.spendByPipeline()
            let pauses = try await store.pauses()
            let waiting = try await store.blocksWaitingInProviderBatches()
            let items: [JSONValue] = try await store.pipelines().map { pipeline in
                var fields: [(String, JSONValue)] = [
                    ("name", .string(pipeline.name)), ("dataset", .string(pipeline.dataset)),
                    ("generation", .int(Int(pipeline.generation))),
                ]
                if let status = statuses[pipeline.name] {
                    fields.append(("counts", (try? JSONText.parse(status.counts, name: "counts")) ?? .object([])))
                    fields.append(
                        ("conditions", (try? JSONText.parse(status.conditions, name: "conditions")) ?? .array([])))
                    fields.append(("observedGeneration", .int(Int(status.observedGeneration))))
                    if let at = status.updatedAt { fields.append(("countsUpdatedAt", .string(at))) }
                } else {
                    fields.append(("counts", .object([])))
                    fields.append(("conditions", .array([])))
                }
                fields.append(("inProviderBatches", .int(waiting[pipeline.name] ?? 0)))
                if let spent = spend[pipeline.name] {
                    var money: [(String, JSONValue)] = [
                        ("inputTokens", .int(Int(spent.inputTokens))), ("outputTokens", .int(Int(spent.outputTokens))),
                        ("attempts", .int(Int(spent.attempts))), ("failedAttempts", .int(Int(spent.failedAttempts))),
                        ("segmentsTranslated", .int(Int(spent.segmentsTranslated))),
                        ("segmentsReused", .int(Int(spent.segmentsReused))),
                    ]
                    if !spent.currency.isEmpty {
                        money += [("cost", .double(spent.cost)), ("currency", .string(spent.currency))]
                    }
                    fields.append(("spend", .object(money)))
                }
                if let pause = pauses[pipeline.name] {
                    fields.append(
                        (
                            "paused",
                            .object([
                                ("by", .string(pause.pausedBy)), ("reason", .string(pause.reason)),
                                ("at", .string(pause.pausedAt)),
                            ])
                        ))
                }
                return .object(fields)
            }
            return .object([("items", .array(items))])
        }
    }

    /// The audit of operator actions, newest first, as the API shows it.
    public func actionsJSON(limit: Int) async throws -> JSONValue {
        .object([("items", .array(try await actions(limit: limit).map(APIPresenter.action)))])
    }

    /// Applied revisions, newest first, as the API shows them.
    public func revisionsJSON(limit: Int) async throws -> JSONValue {
        .object([("items", .array(try await history(limit: limit).map(APIPresenter.revision)))])
    }
}
