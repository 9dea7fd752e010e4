import Foundation
import TraduCore
import TraduStore

/// The figures `tradu status` shows, computed from block counts and recent completions, as text or JSON.
public struct StatusReport: Sendable {
    public var environment: String
    public var counts: [String: BlockCounts]
    /// When `counts` are the controller's (a large environment), when it wrote the oldest of them (RFC 3339);
    /// nil when they were counted just now.
    public var countsAsOf: String? = nil
    public var completedLastMinute: [String: Int]
    public var statuses: [String: PipelineStatusRow]
    /// Why the database refused a write just now (disk full, ...); nil when it accepted one.
    public var databaseWriteFailure: StoreError? = nil
    /// Each pipeline's latest rollout, shown while it is unsettled (running, paused, rolled back).
    public var rollouts: [String: RolloutRecord] = [:]
    /// Tokens and cost spent per pipeline, every attempt included.
    public var spend: [String: SpendRow] = [:]
    public var pauses: [String: PipelinePause] = [:]
    /// Blocks waiting in provider batches (`mode: batch`), per pipeline: `in_process`, but held by no worker.
    public var inProviderBatches: [String: Int] = [:]
    /// Each pipeline's segmentation, from its applied processing spec: what a segment is in the memory figures.
    public var segmentation: [String: Segmentation] = [:]

    /// `sentences: 1,204 translated, 388 reused (24% from memory or repeats)`, or nil before any completion.
    func memoryLine(_ pipeline: String, _ spent: SpendRow) -> String? {
        let all = spent.segmentsTranslated + spent.segmentsReused
        guard all > 0 else { return nil }
        let unit = segmentation[pipeline] == .sentence ? "sentences" : "documents"
        let share = Int((Double(spent.segmentsReused) * 100 / Double(all)).rounded())
        return "\(unit): \(NumberFormat.grouped(Int(spent.segmentsTranslated))) translated,"
            + " \(NumberFormat.grouped(Int(spent.segmentsReused))) reused (\(share)% not sent to the engine)"
    }

    /// Why the controller holds a pipeline: its pause (read now) and a spent budget (from the conditions the
    /// leading controller wrote, at most a second old).
    func hold(_ pipeline: String) -> PipelineConditions.Hold? {
        var hold = PipelineConditions.Hold()
        if let pause = pauses[pipeline] {
            hold.pause = "paused by \(pause.pausedBy) at \(pause.pausedAt): \(pause.reason)"
        }
        if let stored = statuses[pipeline], let conditions = try? JSONText.parse(stored.conditions, name: "conditions"),
            case .array(let items) = conditions,
            let budget = items.first(where: {
                $0["type"] == .string("BudgetExhausted") && $0["status"] == .string("True")
            })
        {
            hold.budget = budget["message"]?.stringValue ?? "budget spent"
        }
        return hold.budget == nil && hold.pause == nil ? nil : hold
    }

    /// Spent so far, scaled by blocks: spend × all blocks / final blocks (nil before any block is final).
    static func projected(_ spent: SpendRow, _ counts: BlockCounts) -> Int64? {
        let final = counts.finalCount - counts.count(of: .cancelled)
        let total = counts.total - counts.count(of: .cancelled)
        guard final > 0 else { return nil }
        return Int64((Double(spent.costMicros) * Double(total) / Double(final)).rounded())
    }

    /// The environment's own condition, beside the pipelines': `DatabaseDegraded` while the database refuses
    /// writes (the fleet waits, nothing fails), with the SQLSTATE as the reason.
    public var databaseCondition: JSONValue {
        let degraded = databaseWriteFailure != nil
        return .object([
            ("type", .string("DatabaseDegraded")), ("status", .string(degraded ? "True" : "False")),
            (
                "reason",
                .string(databaseWriteFailure.map { "SQLSTATE \($0.sqlState ?? "unknown")" } ?? "WritesAccepted")
            ),
            ("message", .string(databaseWriteFailure.map { "\($0)" } ?? "the database accepts writes")),
        ])
    }

    public var text: String {
        var out = ["Environment \(environment)"]
        if let failure = databaseWriteFailure {
            out.append(
                "  conditions: DatabaseDegraded=True (SQLSTATE \(failure.sqlState ?? "unknown")): \(failure);"
                    + " workers and controllers wait and retry, no block fails for it")
        }
        if let countsAsOf {
            out.append(
                "  counts: the controller's, as of \(countsAsOf) (over \(NumberFormat.grouped(OperatorService.exactCountLimit))"
                    + " blocks; --exact counts every block now)")
        }
        for pipeline in counts.keys.sorted() {
            let byState = counts[pipeline] ?? [:]
            let total = byState.total
            let done = byState.finalCount
            let width = 30
            let filled = total == 0 ? 0 : width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let rate = Double(completedLastMinute[pipeline] ?? 0) / 60
            let remaining = total - done
            let eta = remaining == 0 ? "done" : rate > 0 ? "ETA \(Int(Double(remaining) / rate))s" : "ETA unknown"
            out.append("")
            out.append("\(pipeline)  \(bar) \(done)/\(total)  \(String(format: "%.1f", rate)) blocks/s  \(eta)")
            out.append(
                "  " + BlockState.allCases.map { "\($0.rawValue) \(byState.count(of: $0))" }.joined(separator: "  "))
            // Conditions are evaluated from the counts just read (the controller's stored ones may be a second
            // old); the observed generation is the controller's.
            var line = "  conditions: \(Self.conditions(PipelineConditions.evaluate(byState, hold: hold(pipeline))))"
            if let status = statuses[pipeline] { line += "  observedGeneration \(status.observedGeneration)" }
            out.append(line)
            if let waiting = inProviderBatches[pipeline], waiting > 0 {
                out.append("  \(waiting) of the in_process blocks wait in provider batches (mode: batch)")
            }
            if let spent = spend[pipeline], spent.attempts > 0 {
                var line =
                    "  spent: \(NumberFormat.grouped(Int(spent.inputTokens))) input + \(NumberFormat.grouped(Int(spent.outputTokens)))"
                    + " output tokens in \(NumberFormat.grouped(Int(spent.attempts))) attempts"
                    + " (\(NumberFormat.grouped(Int(spent.failedAttempts))) failed)"
                if !spent.currency.isEmpty {
                    line += ", \(CostFormat.money(spent.costMicros, spent.currency))"
                    if let projected = Self.projected(spent, byState) {
                        line += "; projected \(CostFormat.money(projected, spent.currency))"
                    }
                }
                out.append(line)
                if let memory = memoryLine(pipeline, spent) { out.append("  " + memory) }
            }
            if let pause = pauses[pipeline] {
                out.append(
                    "  paused by \(pause.pausedBy) at \(pause.pausedAt): \(pause.reason)  (tradu resume -e \(environment) --pipeline \(pipeline) -m WHY)"
                )
            }
            if let rollout = rollouts[pipeline], rollout.state.isUnsettled {
                out.append(
                    "  rollout of revision \(rollout.revision) (\(rollout.changedFields.joined(separator: ", "))): "
                        + RolloutPresenter.headline(rollout) + (rollout.state.reason.map { " — \($0)" } ?? "")
                        + "  (tradu rollout status -e \(environment) \(pipeline))")
            }
        }
        if counts.isEmpty { out.append("No blocks: nothing applied yet (tradu apply -e \(environment)).") }
        return out.joined(separator: "\n")
    }

    private static func conditions(_ conditions: JSONValue) -> String {
        guard case .array(let items) = conditions else { return conditions.encoded() }
        return items.compactMap { item -> String? in
            guard case .string(let type)? = item["type"], case .string(let value)? = item["status"],
                case .string(let reason)? = item["reason"]
            else { return nil }
            return "\(type)=\(value) (\(reason))"
        }.joined(separator: ", ")
    }

    public var json: JSONValue {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            ("countsAsOf", countsAsOf.map(JSONValue.string) ?? .null),
            ("conditions", .array([databaseCondition])),
            (
                "pipelines",
                .array(
                    counts.keys.sorted().map { pipeline in
                        let byState = counts[pipeline] ?? [:]
                        var members: [(String, JSONValue)] = [
                            ("name", .string(pipeline)),
                            (
                                "counts",
                                .object(BlockState.allCases.map { ($0.rawValue, .int(byState.count(of: $0))) })
                            ),
                            ("completedLastMinute", .int(completedLastMinute[pipeline] ?? 0)),
                        ]
                        members.append(("conditions", PipelineConditions.evaluate(byState, hold: hold(pipeline))))
                        members.append(("inProviderBatches", .int(inProviderBatches[pipeline] ?? 0)))
                        if let status = statuses[pipeline] {
                            members.append(("observedGeneration", .int(Int(status.observedGeneration))))
                        }
                        if let spent = spend[pipeline] {
                            var fields: [(String, JSONValue)] = [
                                ("inputTokens", .int(Int(spent.inputTokens))),
                                ("outputTokens", .int(Int(spent.outputTokens))),
                                ("attempts", .int(Int(spent.attempts))),
                                ("failedAttempts", .int(Int(spent.failedAttempts))),
                                (
                                    "segmentation",
                                    .string((segmentation[pipeline] ?? .document).rawValue)
                                ),
                                ("segmentsTranslated", .int(Int(spent.segmentsTranslated))),
                                ("segmentsReused", .int(Int(spent.segmentsReused))),
                            ]
                            if !spent.currency.isEmpty {
                                fields.append(("cost", .double(spent.cost)))
                                fields.append(("currency", .string(spent.currency)))
                                if let projected = Self.projected(spent, byState) {
                                    fields.append(("projectedCost", .double(Double(projected) / 1_000_000)))
                                }
                            }
                            members.append(("spend", .object(fields)))
                        }
                        if let pause = pauses[pipeline] {
                            members.append(
                                (
                                    "paused",
                                    .object([
                                        ("by", .string(pause.pausedBy)), ("reason", .string(pause.reason)),
                                        ("at", .string(pause.pausedAt)),
                                    ])
                                ))
                        }
                        if let rollout = rollouts[pipeline] {
                            members.append(
                                (
                                    "rollout",
                                    .object([
                                        ("id", .int(Int(rollout.id))), ("revision", .int(Int(rollout.revision))),
                                        ("phase", .string(rollout.state.phase.rawValue)),
                                        ("step", .int(rollout.state.step + 1)),
                                        ("steps", .int(rollout.spec.steps.count)),
                                        ("reason", rollout.state.reason.map { .string($0) } ?? .null),
                                    ])
                                ))
                        }
                        return .object(members)
                    })
            ),
        ])
    }
}
