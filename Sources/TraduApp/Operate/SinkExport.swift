import TraduStore

/// The `jsonl` sinks of the applied pipelines: after a run, each pipeline's results are exported to its
/// sink folder (atomically, same bytes every time).
enum SinkExport {
    static func run(_ applied: AppliedManifests, store: Store) async throws -> [ResultExporter.Written] {
        var written: [ResultExporter.Written] = []
        for pipeline in applied.resolved.pipelines.values.sorted(by: { $0.name < $1.name }) {
            for case .jsonl(let path) in pipeline.sinks {
                written += try await ResultExporter().export(from: store, pipeline: pipeline.name, to: path, flat: true)
            }
        }
        return written
    }
}
