/// Kubernetes-style conditions of a pipeline, from its block counts: `Ready` (every block final and none
/// failed), `Progressing` (work remains), `Degraded` (some blocks failed).
public enum PipelineConditions {
    public static func evaluate(_ counts: BlockCounts) -> JSONValue {
        let active = counts.activeCount
        let failed = counts.count(of: .failed)
        let completed = counts.count(of: .completed)
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> JSONValue {
            .object([
                ("type", .string(type)), ("status", .string(status ? "True" : "False")), ("reason", .string(reason)),
                ("message", .string(message)),
            ])
        }
        return .array([
            condition(
                "Ready", active == 0 && failed == 0,
                active > 0 ? "WorkRemaining" : failed > 0 ? "BlocksFailed" : "AllCompleted",
                "\(completed) completed, \(active) remaining, \(failed) failed"),
            condition(
                "Progressing", active > 0, active > 0 ? "BlocksInFlight" : "Idle", "\(active) blocks not final"),
            condition(
                "Degraded", failed > 0, failed > 0 ? "BlocksFailed" : "NoFailures", "\(failed) blocks failed"),
        ])
    }
}
