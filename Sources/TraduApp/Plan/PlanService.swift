import Foundation
import Logging
import TraduCore
import TraduHTTP
import TraduSources
import TraduStore

/// `tradu plan`: manifests + datasets + the environment's stored state → a `PreparedPlan`.
public struct PlanService: Sendable {
    public var resolver: DatabaseResolver
    public var logger: Logger
    /// The directory relative paths are resolved against, and that dataset paths may not leave.
    public var projectRoot: String
    public var httpClient: HTTPClient

    public init(resolver: DatabaseResolver, logger: Logger, projectRoot: String? = nil) {
        self.resolver = resolver
        self.logger = logger
        self.projectRoot = projectRoot ?? FileManager.default.currentDirectoryPath
        self.httpClient = HTTPClient()
    }

    /// The environment's resolved manifests, or every diagnostic.
    public func compile(directory: String, environment: String) throws -> ResolvedManifests {
        try compileProject(directory: directory, environment: environment).resolved
    }

    /// The environment's resolved manifests with the raw files they were compiled from (the freight's
    /// manifests), or every diagnostic.
    public func compileProject(directory: String, environment: String) throws -> (
        resolved: ResolvedManifests, raw: RawManifests
    ) {
        let validation = ManifestValidation(directory: directory, environment: environment)
        guard validation.isValid, let resolved = validation.compiled.environments[environment] else {
            throw TraduError.invalidManifests(validation.diagnostics.filter { $0.severity == .error })
        }
        return (resolved, RawManifests(validation.loaded, directory: directory))
    }

    /// `raw` compiled for `environment` as if its files were in `directory`, or every diagnostic.
    public func compile(_ raw: RawManifests, directory: String, environment: String) throws -> ResolvedManifests {
        let validation = raw.validation(directory: directory, environment: environment)
        guard validation.isValid, let resolved = validation.compiled.environments[environment] else {
            let errors = validation.diagnostics.filter { $0.severity == .error }
            if errors.isEmpty {
                throw TraduError.configuration("environment '\(environment)' is not declared in these manifests")
            }
            throw TraduError.invalidManifests(errors)
        }
        return resolved
    }

    /// Reads every dataset the environment's pipelines use, in name order.
    /// - Parameter spool: for an apply, where to keep the records of new blocks (see `BlockSpool`).
    public func readDatasets(
        _ resolved: ResolvedManifests, spool: BlockSpool? = nil, erased: ErasedDocuments,
        kept: [String: Set<String>] = [:], progress: @escaping (String, Int) -> Void = { _, _ in }
    ) async throws -> [DatasetCut] {
        var cuts: [DatasetCut] = []
        for name in Set(resolved.pipelines.values.map(\.dataset)).sorted() {
            guard let dataset = resolved.datasets[name] else { continue }
            let started = ContinuousClock.now
            do {
                let sentences = resolved.pipelines.values.contains {
                    $0.dataset == name && $0.segmentation == .sentence
                }
                let cut = try await DatasetCut.read(
                    dataset, projectRoot: projectRoot, httpClient: httpClient, spool: spool, splitsSentences: sentences,
                    erased: erased, kept: kept[name] ?? []
                ) { progress(name, $0) }
                logger.info(
                    "dataset read",
                    metadata: [
                        "data_id": "\(name)", "records": "\(cut.recordCount)", "blocks": "\(cut.blocks.count)",
                        "skipped": "\(cut.skippedCount)", "erased": "\(cut.erasedCount)",
                        "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
                    ])
                TraduMetrics.count(MetricNames.documentsPlanned, cut.recordCount, [("dataset", name)])
                TraduMetrics.count(MetricNames.blocksPlanned, cut.blocks.count, [("dataset", name)])
                cuts.append(cut)
            } catch let error as SourceError {
                throw TraduError.invalidData([error.diagnostic])
            }
        }
        try spool?.finishWriting()
        return cuts
    }

    /// Runs `body` with the environment's store open (migrated on first use), and closes it whatever happens.
    public func withStore<T: Sendable>(for resolved: ResolvedManifests, _ body: (Store) async throws -> T)
        async throws -> T
    {
        let url = try await resolver.url(for: resolved.environment, logger: logger)
        return try await Store.withStore(
            url: url, schema: EnvironmentSchema(name: resolved.environment.schema), logger: logger, body)
    }

    /// `tradu plan`: compiles the manifests, reads the datasets and computes the plan against the environment.
    public func prepare(directory: String, environment: String, progress: @escaping (String, Int) -> Void)
        async throws -> PreparedPlan
    {
        let (compiled, raw) = try compileProject(directory: directory, environment: environment)
        return try await withStore(for: compiled) { store in
            let resolved = try await withCutters(compiled, store: store)
            let datasets = try await readDatasets(
                resolved, erased: try await store.erasedDocuments(),
                kept: try await keptBoundaries(resolved, store: store), progress: progress)
            return try await plan(resolved, datasets: datasets, directory: directory, store: store, raw: raw)
        }
    }

    /// `resolved` with each dataset's cutter version decided: the manifest's when it names one; else the version
    /// the environment already cut the dataset with (a stored sizing without a version is version 1), so upgrading
    /// tradu re-cuts and reprocesses nothing; else the latest, for a dataset the environment never cut.
    public func withCutters(_ resolved: ResolvedManifests, store: Store) async throws -> ResolvedManifests {
        var stored: [String: Int] = [:]
        for pipeline in try await store.pipelines() {
            let sizing = try JSONText.parse(pipeline.sizing, name: "pipelines.sizing")
            stored[pipeline.dataset] = max(stored[pipeline.dataset] ?? 0, BlockSizing.cutter(ofStored: sizing))
        }
        var decided = resolved
        for (name, dataset) in resolved.datasets where dataset.cutter == nil {
            decided.datasets[name]?.cutter = stored[name] ?? BlockCutter.latestVersion
        }
        return decided
    }

    /// The boundaries of the environment's current cut that each dataset cut with version 3 keeps: those of blocks
    /// cut with the same limits by version 2 or 3 (a cut with other limits, or version 1's half-full blocks, is cut
    /// afresh), except where the last apply's last block ended, so that appended records join that block.
    public func keptBoundaries(_ resolved: ResolvedManifests, store: Store) async throws -> [String: Set<String>] {
        let candidates = resolved.datasets.filter { ($0.value.cutter ?? BlockCutter.latestVersion) >= 3 }
        guard !candidates.isEmpty else { return [:] }
        var sizings: [String: [JSONValue]] = [:]
        for pipeline in try await store.pipelines() where candidates[pipeline.dataset] != nil {
            sizings[pipeline.dataset, default: []].append(try JSONText.parse(pipeline.sizing, name: "pipelines.sizing"))
        }
        let stored = try await store.storedCuts()
        var kept: [String: Set<String>] = [:]
        for (name, dataset) in candidates {
            let wanted = BlockSizing(dataset).json
            guard let cut = stored[name], let used = sizings[name], !used.isEmpty,
                used.allSatisfy({
                    $0["maxRecords"] == wanted["maxRecords"] && $0["maxBytes"] == wanted["maxBytes"]
                        && BlockSizing.cutter(ofStored: $0) >= 2
                })
            else { continue }
            var boundaries = cut.boundaries
            if let last = cut.lastRecord { boundaries.remove(last) }
            kept[name] = boundaries
        }
        return kept
    }

    /// Computes the plan against what `store` holds now.
    /// - Parameter known: the block contents the store held at a serial, read earlier in the same command; read
    ///   again only when the environment moved since.
    public func plan(
        _ resolved: ResolvedManifests, datasets: [DatasetCut], directory: String, store: Store,
        spool: BlockSpool? = nil, known: KnownContents? = nil, raw: RawManifests? = nil
    ) async throws -> PreparedPlan {
        let state = try await store.environmentState()
        let storedPipelines = try await store.pipelines()
        let existingBlocks = try await store.blocks()
        let rollouts = Dictionary(
            try await store.latestRollouts().map { ($0.pipeline, $0.snapshot) }, uniquingKeysWith: { a, _ in a })
        let existingPipelines = try storedPipelines.map { stored in
            ExistingPipeline(
                name: stored.name, dataset: stored.dataset,
                spec: ProcessingSpec(
                    json: try JSONText.parse(stored.processingSpec, name: "pipelines.processing_spec")),
                sizing: try JSONText.parse(stored.sizing, name: "pipelines.sizing"), rollout: rollouts[stored.name])
        }
        let cutsByName = Dictionary(uniqueKeysWithValues: datasets.map { ($0.dataset.name, $0) })
        let desired: [DesiredPipeline] = resolved.pipelines.values.compactMap { pipeline in
            guard let engine = resolved.engines[pipeline.engine], let cut = cutsByName[pipeline.dataset] else {
                return nil
            }
            return DesiredPipeline(
                pipeline: pipeline, spec: ProcessingSpec(pipeline: pipeline, engine: engine, dataset: cut.dataset),
                sizing: BlockSizing(cut.dataset), blocks: cut.blocks)
        }
        let blockPlan = BlockPlanner.plan(
            desired: desired, existingPipelines: existingPipelines, existingBlocks: existingBlocks)
        let latestRevision = try await store.latestRevision()
        var manifests = CanonicalManifests.json(resolved)
        // A pipeline held after a rollback keeps running the previous spec: the manifests recorded for it say so,
        // so re-applying the same files records nothing and `tradu diff` keeps showing what differs.
        let held = blockPlan.pipelines.filter { if case .held = $0.rollout { true } else { false } }
        if !held.isEmpty, let latestRevision {
            let running = try JSONText.parse(latestRevision.manifests, name: "revision \(latestRevision.number)")
            for changes in held {
                manifests = RolloutManifests.withEngine(of: changes.name, from: running, into: manifests)
            }
        }
        // Only new and re-cut blocks are looked up in it (`ApplyService`): a plan with none does not read it, so
        // an unchanged corpus re-plans without reading every stored content's hash (10M rows at 10M blocks).
        let looksUpContents = blockPlan.pipelines.contains {
            $0.desired != nil && !($0.additions.isEmpty && $0.recuts.isEmpty)
        }
        let knownBlockHashes: IdentitySet
        if !looksUpContents {
            knownBlockHashes = IdentitySet()
        } else if let known, known.serial == state.serial {
            knownBlockHashes = known.hashes
        } else {
            knownBlockHashes = try await store.knownBlockHashes()
        }
        return PreparedPlan(
            environment: resolved, manifestDirectory: directory, datasets: datasets, blockPlan: blockPlan,
            state: state, manifests: manifests, manifestDigest: CanonicalManifests.digest(manifests),
            latestRevision: latestRevision,
            knownBlockHashes: knownBlockHashes,
            spool: spool, raw: raw,
            storedSpecs: Dictionary(existingPipelines.map { ($0.name, $0.spec) }, uniquingKeysWith: { a, _ in a }))
    }
}

/// The content hashes an environment stored at `serial`: only an apply adds contents, and it moves the serial,
/// so they are still current while the serial is.
public struct KnownContents: Sendable {
    public var serial: Int64
    public var hashes: IdentitySet

    /// Reads them from `store`, with the serial they belong to.
    public static func read(from store: Store) async throws -> KnownContents {
        let serial = try await store.environmentState().serial
        return KnownContents(serial: serial, hashes: try await store.knownBlockHashes())
    }
}
