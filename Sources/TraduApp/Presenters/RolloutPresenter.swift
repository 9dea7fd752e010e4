import TraduCore
import TraduStore

/// `tradu rollout status`: each pipeline's latest rollout, its step, every analysis's figures against their
/// limits, and who did what.
public enum RolloutPresenter {
    public static func text(_ reports: [RolloutReport], environment: String) -> String {
        guard !reports.isEmpty else { return "No rollout in \(environment)." }
        var lines: [String] = []
        for report in reports {
            let rollout = report.rollout
            lines.append(
                "Pipeline \(rollout.pipeline): rollout \(rollout.id) of revision \(rollout.revision) ("
                    + rollout.changedFields.joined(separator: ", ") + "): " + headline(rollout))
            lines.append(
                "  steps \(rollout.spec.steps.map(RolloutSpec.percentText).joined(separator: ", ")); sample"
                    + " \(report.sampleTotal) blocks, \(report.sampleOpen) not final; on failure:"
                    + " \(rollout.spec.onFailure.rawValue)")
            if let reason = rollout.state.reason { lines.append("  reason: \(reason)") }
            for analysis in report.analyses {
                lines.append(
                    "  analysis of step \(analysis.step + 1) (run \(analysis.run)): \(analysis.outcome) on"
                        + " \(analysis.blocks) blocks at \(analysis.at)"
                        + (analysis.outcome == "passed" ? "" : " — \(analysis.summary)"))
                var table = TextTable(["metric", "measured", "limit", "result", "how"])
                for figure in figures(analysis) {
                    table.append([
                        figure.metric, RolloutFigure.format(figure.measured),
                        figure.limit.map { "≤ " + RolloutFigure.format($0) } ?? "-",
                        figure.passed ? "pass" : "FAIL", figure.note,
                    ])
                }
                lines += table.rendered.split(separator: "\n").map { "    " + $0 }
            }
            lines.append("  history:")
            for event in report.events {
                lines.append(
                    "    \(event.at)  \(event.fromPhase.map { "\($0) → " } ?? "")\(event.toPhase) (step"
                        + " \(event.step + 1)) by \(event.actor)" + (event.message.map { ": \($0)" } ?? ""))
            }
            switch rollout.state.phase {
            case .rolledBack:
                lines.append(
                    "  Retry it on the same sample with `tradu rollout retry -e \(environment) \(rollout.pipeline) -m"
                        + " MESSAGE`, or apply a different spec.")
            case .paused:
                lines.append(
                    "  Decide: `tradu rollout promote` (skip the remaining analyses), `abort` (roll back) or `retry`.")
            default: break
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `progressing, step 1/2 (10%)`, `rolled_back`.
    public static func headline(_ rollout: RolloutRecord) -> String {
        let state = rollout.state
        let step = min(state.step, rollout.spec.lastStep)
        let where_ =
            "step \(step + 1)/\(rollout.spec.steps.count) (\(RolloutSpec.percentText(rollout.spec.steps[step])))"
        switch state.phase {
        case .progressing, .analyzing, .paused: return "\(state.phase.rawValue), \(where_)"
        default: return state.phase.rawValue
        }
    }

    public static func json(_ reports: [RolloutReport], environment: String) -> JSONValue {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            (
                "rollouts",
                .array(
                    reports.map { report in
                        let rollout = report.rollout
                        return .object([
                            ("pipeline", .string(rollout.pipeline)), ("id", .int(Int(rollout.id))),
                            ("revision", .int(Int(rollout.revision))),
                            ("baselineRevision", rollout.baselineRevision.map { .int(Int($0)) } ?? .null),
                            ("phase", .string(rollout.state.phase.rawValue)), ("step", .int(rollout.state.step + 1)),
                            ("steps", .array(rollout.spec.steps.map { .double($0) })),
                            ("stepStarted", .bool(rollout.state.stepStarted)), ("run", .int(rollout.state.run)),
                            ("reason", rollout.state.reason.map { .string($0) } ?? .null),
                            ("changedFields", .array(rollout.changedFields.map { .string($0) })),
                            ("baselineSpecHash", .string(rollout.baselineSpecHash)),
                            ("canarySpecHash", .string(rollout.canarySpecHash)),
                            ("onFailure", .string(rollout.spec.onFailure.rawValue)),
                            (
                                "sample",
                                .object([("total", .int(report.sampleTotal)), ("open", .int(report.sampleOpen))])
                            ),
                            (
                                "analyses",
                                .array(
                                    report.analyses.map { analysis in
                                        .object([
                                            ("step", .int(analysis.step + 1)), ("run", .int(analysis.run)),
                                            ("outcome", .string(analysis.outcome)),
                                            ("summary", .string(analysis.summary)), ("blocks", .int(analysis.blocks)),
                                            (
                                                "figures",
                                                (try? JSONText.parse(analysis.figures, name: "figures")) ?? .null
                                            ),
                                            ("at", .string(analysis.at)),
                                        ])
                                    })
                            ),
                            (
                                "events",
                                .array(
                                    report.events.map { event in
                                        .object([
                                            ("from", event.fromPhase.map { .string($0) } ?? .null),
                                            ("to", .string(event.toPhase)), ("step", .int(event.step + 1)),
                                            ("actor", .string(event.actor)),
                                            ("message", event.message.map { .string($0) } ?? .null),
                                            ("at", .string(event.at)),
                                        ])
                                    })
                            ),
                            ("createdAt", .string(rollout.createdAt)),
                            ("finishedAt", rollout.finishedAt.map { .string($0) } ?? .null),
                        ])
                    })
            ),
        ])
    }

    static func figures(_ analysis: RolloutAnalysisRecord) -> [RolloutFigure] {
        guard case .array(let items)? = try? JSONText.parse(analysis.figures, name: "figures") else { return [] }
        return items.map { item in
            RolloutFigure(
                metric: item["metric"]?.stringValue ?? "?", measured: item["measured"]?.doubleValue,
                limit: item["limit"]?.doubleValue, passed: item["passed"] == .bool(true),
                note: item["note"]?.stringValue ?? "")
        }
    }
}
