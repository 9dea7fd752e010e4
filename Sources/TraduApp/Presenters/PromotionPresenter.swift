import TraduCore
import TraduStore

/// Renders `tradu promote` (its checks, gates and the target's plan) and `tradu promotions`.
public struct PromotionPresenter: Sendable {
    public var plan: PlanPresenter

    public init(plan: PlanPresenter = PlanPresenter()) { self.plan = plan }

    /// The checks and gates, then the target's plan.
    public func text(_ evaluation: PromoteUseCase.Evaluation) -> String {
        var out: [String] = []
        let what =
            evaluation.rollback
            ? "Rollback of \(evaluation.target) to freight \(evaluation.freightID)"
                + " (its revision \(evaluation.sourceRevision ?? 0))"
            : "Promotion of freight \(evaluation.freightID) from \(evaluation.source ?? "?")"
                + " rev \(evaluation.sourceRevision ?? 0) to \(evaluation.target)"
        out.append(what)
        out.append("  git commit: \(evaluation.freight.gitCommit ?? "none recorded")")
        out.append("")
        var table = TextTable(["CHECK", "RESULT", "MEASURED", "REQUIRED"])
        let checks = evaluation.checks
        table.append([
            "freight not rejected", checks.rejection == nil ? "pass" : "FAIL",
            checks.rejection.map { "rejected by \($0.by): \($0.message)" } ?? "not rejected", "not rejected",
        ])
        table.append([
            "data unchanged", checks.staleDatasets.isEmpty ? "pass" : "FAIL",
            checks.staleDatasets.isEmpty
                ? "\(evaluation.freight.datasetFingerprints.count) datasets match"
                : "changed: " + checks.staleDatasets.joined(separator: ", "),
            "records equal to the freight's",
        ])
        if !evaluation.rollback {
            let refused = checks.parity.filter { !$0.allowed }
            table.append([
                "processing parity", refused.isEmpty ? "pass" : "FAIL",
                refused.isEmpty
                    ? (evaluation.allowances.isEmpty
                        ? "identical"
                        : "allowed: "
                            + evaluation.allowances.map { "\($0.pipeline) \($0.field)" }.joined(separator: ", "))
                    : refused.map { "\($0.pipeline) \($0.field)" }.joined(separator: ", "),
                "same processing spec",
            ])
            if let latest = checks.sourceMovedOnTo {
                table.append(["source revision", "FAIL", "source is at revision \(latest)", "the source's latest"])
            }
            for problem in checks.policyProblems { table.append(["promotion policy", "FAIL", problem, ""]) }
            for gate in checks.gates {
                table.append([
                    "gate \(gate.gate)", gate.passed ? "pass" : "FAIL",
                    gate.measured + (gate.detail.isEmpty ? "" : " (\(gate.detail))"), gate.limit,
                ])
            }
        }
        out.append(table.rendered)
        out.append("")
        out.append(plan.text(evaluation.preview))
        return out.joined(separator: "\n")
    }

    public func json(
        _ evaluation: PromoteUseCase.Evaluation, outcome: String, reasons: [String], promotion: Int64?,
        revision: AppliedRevision?
    ) -> JSONValue {
        let checks = evaluation.checks
        var members: [(String, JSONValue)] = [
            ("formatVersion", .int(1)), ("outcome", .string(outcome)), ("target", .string(evaluation.target)),
        ]
        members.append(("source", evaluation.source.map { .string($0) } ?? .null))
        members.append(("sourceRevision", evaluation.sourceRevision.map { .int(Int($0)) } ?? .null))
        members.append(("freight", .string(evaluation.freightID)))
        members.append(("rollback", .bool(evaluation.rollback)))
        members.append(("gitCommit", evaluation.freight.gitCommit.map { .string($0) } ?? .null))
        members.append(("rejected", .bool(checks.rejection != nil)))
        members.append(("staleDatasets", .array(checks.staleDatasets.map { .string($0) })))
        members.append(("parity", .array(checks.parity.map(Self.json))))
        members.append(("gates", .array(checks.gates.map(\.json))))
        members.append(("reasons", .array(reasons.map { .string($0) })))
        members.append(("promotion", promotion.map { .int(Int($0)) } ?? .null))
        members.append(("targetRevision", revision.map { .int(Int($0.number)) } ?? .null))
        members.append(("plan", plan.json(evaluation.preview)))
        return .object(members)
    }

    static func json(_ difference: ProcessingParity.Difference) -> JSONValue {
        .object([
            ("pipeline", .string(difference.pipeline)), ("field", .string(difference.field)),
            ("source", difference.source ?? .null), ("target", difference.target ?? .null),
            ("allowed", .bool(difference.allowed)),
        ])
    }

    public static func text(_ records: [PromotionRecord], environment: String) -> String {
        guard !records.isEmpty else { return "No promotion into \(environment) has been recorded." }
        var table = TextTable(["ID", "AT", "PHASE", "FREIGHT", "FROM", "BY", "TARGET REV", "GATES", "NOTE"])
        for record in records {
            let gates =
                (try? JSONText.parse(record.gates, name: "gates")).flatMap { value -> [JSONValue]? in
                    if case .array(let items) = value { return items }
                    return nil
                } ?? []
            let passed = gates.filter { $0["passed"] == .bool(true) }.count
            let reasons = (try? JSONText.parse(record.reasons, name: "reasons")).flatMap { value -> String? in
                if case .array(let items) = value, case .string(let first)? = items.first { return first }
                return nil
            }
            let from =
                record.rollback
                ? "rollback" : "\(record.sourceEnvironment ?? "?") rev \(record.sourceRevision.map(String.init) ?? "?")"
            table.append([
                String(record.id), record.createdAt, record.phase, record.freightID,
                from + (record.automatic ? " (auto)" : ""), record.requestedBy,
                record.targetRevision.map(String.init) ?? "-", gates.isEmpty ? "-" : "\(passed)/\(gates.count)",
                reasons ?? record.message ?? "",
            ])
        }
        return table.rendered
    }

    public static func json(_ records: [PromotionRecord], environment: String) -> JSONValue {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            ("promotions", .array(records.map(json))),
        ])
    }

    static func json(_ record: PromotionRecord) -> JSONValue {
        func parsed(_ text: String, _ name: String) -> JSONValue { (try? JSONText.parse(text, name: name)) ?? .null }
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        func number(_ value: Int64?) -> JSONValue { value.map { .int(Int($0)) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("id", .int(Int(record.id))), ("freight", .string(record.freightID)), ("phase", .string(record.phase)),
        ]
        members.append(("sourceEnvironment", optional(record.sourceEnvironment)))
        members.append(("sourceRevision", number(record.sourceRevision)))
        members.append(("rollback", .bool(record.rollback)))
        members.append(("automatic", .bool(record.automatic)))
        members.append(("requestedBy", .string(record.requestedBy)))
        members.append(("message", optional(record.message)))
        members.append(("gates", parsed(record.gates, "gates")))
        members.append(("allowances", parsed(record.allowances, "allowances")))
        members.append(("reasons", parsed(record.reasons, "reasons")))
        members.append(("targetRevision", number(record.targetRevision)))
        members.append(("createdAt", .string(record.createdAt)))
        members.append(("finishedAt", optional(record.finishedAt)))
        return .object(members)
    }
}
