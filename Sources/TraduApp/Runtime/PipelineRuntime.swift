import TraduCore
import TraduEngines
import TraduHTTP
import TraduStore

/// What a worker needs to process one pipeline's blocks, built from the applied manifests.
///
/// A class, shared and never changed: every block in progress holds its runtime, and as a struct of manifests its
/// copy retained every string, array and dictionary inside them, for each block again.
final class PipelineRuntime: Sendable {
    let pipeline: Pipeline
    let engine: Engine
    let dataset: Dataset
    let policy: RetryPolicy
    /// Identity of the engine's output-deciding settings: part of the translation-memory key.
    let engineSpecHash: String
    /// The processing spec's hash: a block runs on the runtime of its own spec (a rollout's sample on the new one,
    /// the other blocks on the previous one).
    let specHash: String
    /// nil when the engine cannot be built (a missing API key): every block fails with that reason.
    let translator: Result<any TranslationEngine, BlockFailure>
    /// Whether a concurrency cap (the pipeline's or the environment's) limits its blocks in flight: only then
    /// is a finished block worth a NOTIFY to the controller, which waits for room.
    let capped: Bool
    /// Holds the engine's requests to its `concurrency`; nil when they are not gated (`EngineGates`).
    let requestGate: RequestGate?

    init(
        pipeline: Pipeline, engine: Engine, dataset: Dataset, policy: RetryPolicy, engineSpecHash: String,
        specHash: String, translator: Result<any TranslationEngine, BlockFailure>, capped: Bool,
        requestGate: RequestGate?
    ) {
        self.pipeline = pipeline
        self.engine = engine
        self.dataset = dataset
        self.policy = policy
        self.engineSpecHash = engineSpecHash
        self.specHash = specHash
        self.translator = translator
        self.capped = capped
        self.requestGate = requestGate
    }

    /// The runtimes of `resolved`'s pipelines (of those named in `only`, when given), with their engines' gates
    /// taken from `gates` by engine name.
    static func build(
        _ resolved: ResolvedManifests, only: Set<String>? = nil, environment: [String: String],
        httpClient: HTTPClient, gates: [String: RequestGate]
    ) -> [String: PipelineRuntime] {
        var runtimes: [String: PipelineRuntime] = [:]
        for pipeline in resolved.pipelines.values where only?.contains(pipeline.name) ?? true {
            guard let engine = resolved.engines[pipeline.engine], let dataset = resolved.datasets[pipeline.dataset]
            else {
                continue
            }
            let spec = ProcessingSpec(pipeline: pipeline, engine: engine, dataset: dataset)
            let translator: Result<any TranslationEngine, BlockFailure>
            do {
                translator = .success(try EngineFactory.make(engine, environment: environment, httpClient: httpClient))
            } catch {
                translator = .failure(error)
            }
            runtimes[pipeline.name] = PipelineRuntime(
                pipeline: pipeline, engine: engine, dataset: dataset, policy: resolved.retryPolicy(for: pipeline),
                engineSpecHash: TranslationMemoryKey.engineSpecHash(spec),
                specHash: spec.hash,
                translator: translator,
                capped: pipeline.concurrency != nil || resolved.environment.maxBlocksInFlight != nil,
                requestGate: EngineGates.isGated(engine) ? gates[engine.name] : nil)
        }
        return runtimes
    }

    /// The translation-memory key of one segment.
    func memoryKey(_ text: String, target: String) -> String {
        TranslationMemoryKey.make(
            engineSpecHash: engineSpecHash, sourceLanguage: dataset.sourceLanguage, target: target, text: text)
    }
}

/// The runtimes a worker holds: the applied revision's, and for pipelines in a rollout, the runtimes of the other
/// spec (from the revision that runs it), so every block runs under the spec its row names.
struct PipelineRuntimes: Sendable {
    var latest: [String: PipelineRuntime]
    var bySpec: [String: PipelineRuntime] = [:]
    /// How many blocks the engines can run at once (`EngineGates.capacity`); nil when unbounded.
    var requestCapacity: Int?
    /// The gated engines' limits (`EngineGates.limits`) and how many engines the runtimes call: the worker's engine
    /// lanes (`EngineLanes`).
    var laneLimits: [String: Int] = [:]
    var engineCount = 0

    init(latest: [String: PipelineRuntime]) {
        self.latest = latest
    }

    /// The applied revision's runtime of a pipeline (its policy, caps and timing).
    subscript(pipeline: String) -> PipelineRuntime? { latest[pipeline] }

    var pipelines: Dictionary<String, PipelineRuntime>.Values { latest.values }

    /// The runtime of the block's own spec; the applied revision's when no other is known.
    func runtime(_ pipeline: String, specHash: String) -> PipelineRuntime? {
        if let runtime = latest[pipeline], runtime.specHash == specHash { return runtime }
        return bySpec[pipeline + "\u{0}" + specHash] ?? latest[pipeline]
    }

    mutating func add(_ other: [String: PipelineRuntime], for pipeline: String) {
        guard let runtime = other[pipeline] else { return }
        bySpec[pipeline + "\u{0}" + runtime.specHash] = runtime
    }

    /// The applied revision's runtimes, plus those of the revisions that run the other spec of every pipeline in
    /// a rollout (running or rolled back). Only the rollout's pipeline is taken from such a revision: its other
    /// pipelines run under the applied one, and their engines' settings (a `concurrency` changed since) with them.
    static func load(
        _ applied: AppliedManifests, store: Store, environment: String, variables: [String: String],
        httpClient: HTTPClient, gates: EngineGates
    ) async throws -> PipelineRuntimes {
        var others: [(resolved: ResolvedManifests, pipeline: String)] = []
        for rollout in try await store.latestRollouts() where rollout.state.isUnsettled {
            for number in Set([rollout.baselineRevision, rollout.revision].compactMap { $0 })
            where number != applied.revision {
                guard
                    let other = try await AppliedManifests.load(from: store, environment: environment, revision: number)
                else { continue }
                others.append((other.resolved, rollout.pipeline))
            }
        }
        let engines = requestEngines(latest: applied.resolved, others: others)
        let requestGates = await gates.gates(for: engines)
        var runtimes = PipelineRuntimes(
            latest: PipelineRuntime.build(
                applied.resolved, environment: variables, httpClient: httpClient, gates: requestGates))
        let running = runningEngines(latest: applied.resolved, others: others)
        runtimes.requestCapacity = EngineGates.capacity(of: running)
        runtimes.laneLimits = EngineGates.limits(of: running)
        runtimes.engineCount = Set(running.map(\.name)).count
        for other in others {
            runtimes.add(
                PipelineRuntime.build(
                    other.resolved, only: [other.pipeline], environment: variables, httpClient: httpClient,
                    gates: requestGates),
                for: other.pipeline)
        }
        return runtimes
    }

    /// How many blocks the engines of the pipelines that run can run at once (`EngineGates.capacity`).
    static func requestCapacity(
        latest: ResolvedManifests, others: [(resolved: ResolvedManifests, pipeline: String)]
    ) -> Int? {
        EngineGates.capacity(of: runningEngines(latest: latest, others: others))
    }

    /// The engines of the pipelines that run, what bounds a worker's claims (its capacity, its lanes): a suspended
    /// pipeline's engine adds nothing, or a worker would claim for the others what that engine could run. With every
    /// pipeline suspended, all of them count (blocks already enqueued may still be claimed).
    static func runningEngines(
        latest: ResolvedManifests, others: [(resolved: ResolvedManifests, pipeline: String)]
    ) -> [Engine] {
        var running = latest
        running.pipelines = latest.pipelines.filter { !$0.value.suspended }
        guard !running.pipelines.isEmpty else { return requestEngines(latest: latest, others: others) }
        return requestEngines(latest: running, others: others.filter { running.pipelines[$0.pipeline] != nil })
    }

    /// The engines the runtimes call: each pipeline's in the applied revision, and for each pipeline in a rollout,
    /// its engine under the other spec (`others`: that spec's revision and the pipeline).
    static func requestEngines(
        latest: ResolvedManifests, others: [(resolved: ResolvedManifests, pipeline: String)]
    ) -> [Engine] {
        var engines = latest.pipelines.values.compactMap { latest.engines[$0.engine] }
        for other in others {
            if let pipeline = other.resolved.pipelines[other.pipeline],
                let engine = other.resolved.engines[pipeline.engine]
            {
                engines.append(engine)
            }
        }
        return engines
    }
}
