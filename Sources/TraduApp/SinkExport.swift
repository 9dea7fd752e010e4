import Logging
import TraduCore
import TraduStore

/// The `jsonl` sinks of the applied pipelines: after a run, each pipeline's results are exported to its
/// sink folder (atomically, same bytes every time).
public enum SinkExport {
    public static func run(target: EnvironmentTarget, environment: String, logger: Logger) async throws
        -> [ResultExporter.Written]
    {
        let store = try await target.storeFactory(logger: logger)()
        defer { Task { await store.close() } }
        guard let applied = try await AppliedManifests.load(from: store, environment: environment) else { return [] }
        var written: [ResultExporter.Written] = []
        for pipeline in applied.resolved.pipelines.values.sorted(by: { $0.name < $1.name }) {
            for case .jsonl(let path) in pipeline.sinks {
                written += try await ResultExporter().export(from: store, pipeline: pipeline.name, to: path, flat: true)
            }
        }
        return written
    }
}
