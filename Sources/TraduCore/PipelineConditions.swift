/// Kubernetes-style conditions of a pipeline, from its block counts: `Ready` (every block final and none
/// failed), `Progressing` (work remains), `Degraded` (some blocks failed), and, when scheduling is held,
/// `BudgetExhausted` (its budget or the environment's is spent) and `Paused` (`tradu pause`).
public enum PipelineConditions {
    /// Why the controller starts no new block of a pipeline, besides its counts.
    public struct Hold: Sendable, Hashable {
        /// `pipeline` or `environment`, and the spend against the limit, when a budget is spent.
        public var budget: String?
        /// Who paused it and why.
        public var pause: String?

        public init(budget: String? = nil, pause: String? = nil) {
            self.budget = budget
            self.pause = pause
        }
    }

    public static func evaluate(_ counts: BlockCounts, hold: Hold? = nil) -> JSONValue {
        let active = counts.activeCount
        let failed = counts.count(of: .failed)
        let completed = counts.count(of: .completed)
        return .array(
            [
                condition(
                    "Ready", active == 0 && failed == 0,
                    active > 0 ? "WorkRemaining" : failed > 0 ? "BlocksFailed" : "AllCompleted",
                    "\(completed) completed, \(active) remaining, \(failed) failed"),
                condition(
                    "Progressing", active > 0, active > 0 ? "BlocksInFlight" : "Idle", "\(active) blocks not final"),
                condition(
                    "Degraded", failed > 0, failed > 0 ? "BlocksFailed" : "NoFailures", "\(failed) blocks failed"),
            ] + holdConditions(hold))
    }

    private static func holdConditions(_ hold: Hold?) -> [JSONValue] {
        guard let hold else { return [] }
        var conditions: [JSONValue] = []
        if let budget = hold.budget {
            conditions.append(condition("BudgetExhausted", true, "SpendReachedBudget", budget))
        }
        if let pause = hold.pause { conditions.append(condition("Paused", true, "PausedByOperator", pause)) }
        return conditions
    }

    private static func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> JSONValue {
        .object([
            ("type", .string(type)), ("status", .string(status ? "True" : "False")), ("reason", .string(reason)),
            ("message", .string(message)),
        ])
    }
}
