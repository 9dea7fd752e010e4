import TraduCore

/// The effective manifests a rollout's own revisions record: a rollback puts back the previous spec's engine,
/// a retry the new one's. Only what decides the pipeline's processing spec moves: the Pipeline's `engine`
/// reference and that Engine object, taken from the revision that ran the wanted spec.
enum RolloutManifests {
    /// `manifests` (`"Kind/name" → spec`) with `pipeline`'s engine as `source` has it.
    static func withEngine(of pipeline: String, from source: JSONValue, into manifests: JSONValue) -> JSONValue {
        let pipelineKey = "\(ManifestKind.pipeline.rawValue)/\(pipeline)"
        guard case .object(var members) = manifests, let sourcePipeline = source[pipelineKey],
            let engineName = sourcePipeline["engine"]?.stringValue
        else { return manifests }
        let engineKey = "\(ManifestKind.engine.rawValue)/\(engineName)"
        if let index = members.firstIndex(where: { $0.0 == pipelineKey }), case .object(var fields) = members[index].1 {
            if let field = fields.firstIndex(where: { $0.0 == "engine" }) {
                fields[field].1 = .string(engineName)
            } else {
                fields.append(("engine", .string(engineName)))
            }
            members[index].1 = .object(fields)
        }
        if let engine = source[engineKey] {
            if let index = members.firstIndex(where: { $0.0 == engineKey }) {
                members[index].1 = engine
            } else {
                members.append((engineKey, engine))
                members.sort { $0.0 < $1.0 }
            }
        }
        return .object(members)
    }
}
