import TraduCore
import TraduEngines
import TraduHTTP

/// What a worker needs to process one pipeline's blocks, built from the applied manifests.
struct PipelineRuntime: Sendable {
    var pipeline: Pipeline
    var engine: Engine
    var dataset: Dataset
    var policy: RetryPolicy
    /// Identity of the engine's output-deciding settings: part of the translation-memory key.
    var engineSpecHash: String
    /// nil when the engine cannot be built (a missing API key): every block fails with that reason.
    var translator: Result<any TranslationEngine, BlockFailure>
    /// Whether a concurrency cap (the pipeline's or the environment's) limits its blocks in flight: only then
    /// is a finished block worth a NOTIFY to the controller, which waits for room.
    var capped: Bool

    static func build(_ resolved: ResolvedManifests, environment: [String: String], httpClient: HTTPClient)
        -> [String: PipelineRuntime]
    {
        var runtimes: [String: PipelineRuntime] = [:]
        for pipeline in resolved.pipelines.values {
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
                engineSpecHash: ContentHash.hex(of: (spec.json["engine"] ?? .null).encoded(sortedKeys: true)),
                translator: translator,
                capped: pipeline.concurrency != nil || resolved.environment.maxBlocksInFlight != nil)
        }
        return runtimes
    }

    /// The translation-memory key of one segment.
    func memoryKey(_ text: String, target: String) -> String {
        ContentHash.hex(of: "tm/v1\u{0}\(engineSpecHash)\u{0}\(dataset.sourceLanguage)\u{0}\(target)\u{0}\(text)")
    }
}
