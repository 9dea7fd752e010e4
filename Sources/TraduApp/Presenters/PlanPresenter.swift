import TraduCore

/// Renders a `PreparedPlan` for people (text) and for programs (versioned JSON).
public struct PlanPresenter: Sendable {
    /// Lines listed per kind of change and pipeline; the rest is counted ("… and 1,234 more").
    public var listLimit: Int

    public init(listLimit: Int = 10) { self.listLimit = listLimit }

    public func text(_ prepared: PreparedPlan) -> String {
        var out: [String] = []
        let environment = prepared.environment.environment
        out.append(
            "Environment \(environment.name) (schema \(environment.schema), lineage \(prepared.state.lineage.prefix(8)),"
                + " serial \(prepared.state.serial))")
        out.append("")
        out.append("Datasets:")
        for cut in prepared.datasets {
            let average = cut.blocks.isEmpty ? 0 : Double(cut.recordCount) / Double(cut.blocks.count)
            var line =
                "  \(cut.dataset.name): \(NumberFormat.grouped(cut.recordCount)) records,"
                + " \(NumberFormat.grouped(cut.blocks.count)) blocks (\((average * 10).rounded() / 10) records per block of at"
                + " most \(cut.dataset.maxRecordsPerBlock), cutter \(cut.dataset.cutter ?? BlockCutter.latestVersion)),"
                + " \(ByteSize(bytes: cut.byteCount).humanReadable)"
            if !cut.keptBoundaries.isEmpty {
                line += ", the environment's cut kept (\(NumberFormat.grouped(cut.keptBoundaries.count)) boundaries)"
            }
            if cut.skippedCount > 0 { line += ", \(NumberFormat.grouped(cut.skippedCount)) invalid records skipped" }
            if cut.erasedCount > 0 { line += ", \(NumberFormat.grouped(cut.erasedCount)) erased documents left out" }
            out.append(line)
            for diagnostic in cut.skipped.prefix(3) { out.append("    skipped: \(diagnostic)") }
        }
        for changes in prepared.blockPlan.pipelines {
            out.append("")
            out += pipelineLines(changes, environment: environment.name)
        }
        let estimates = CostEstimate.of(prepared)
        if !estimates.isEmpty {
            out.append("")
            out.append("Estimate (input ≈ characters / 4, output by target language; see docs/COST.md):")
            for estimate in estimates { out.append("  " + estimate.text) }
        }
        if prepared.manifestsChanged && !prepared.blockPlan.hasBlockChanges {
            out.append("")
            out.append("No block changes; the manifests changed (see `tradu diff`): applying records a new revision.")
        } else if prepared.freightChanged && !prepared.blockPlan.hasBlockChanges {
            out.append("")
            out.append(
                "No block changes; the project's manifests changed outside this environment's effective specs:"
                    + " applying records a new revision with the new freight.")
        }
        out.append("")
        out.append(summaryLine(prepared))
        return out.joined(separator: "\n")
    }

    public func summaryLine(_ prepared: PreparedPlan) -> String {
        let plan = prepared.blockPlan
        guard prepared.hasChanges else {
            return "No changes. \(NumberFormat.grouped(plan.unchanged)) blocks up to date."
        }
        var line =
            "Plan: \(NumberFormat.grouped(plan.toAdd)) to add, \(NumberFormat.grouped(plan.toReprocess)) to reprocess,"
            + " \(NumberFormat.grouped(plan.toCancel)) to cancel."
        if plan.toRecut > 0 { line += " (\(NumberFormat.grouped(plan.toRecut)) of the additions re-cut a dataset.)" }
        let rolledOut = plan.pipelines.reduce(0) { total, changes in
            if case .start = changes.rollout { return total + changes.reprocess.count }
            return total
        }
        if rolledOut > 0 {
            line +=
                " (\(NumberFormat.grouped(rolledOut)) of the reprocessing in rollout steps, analysed before each next step.)"
        }
        return line
    }

    private func pipelineLines(_ changes: BlockPlan.PipelineChanges, environment: String) -> [String] {
        guard changes.desired != nil else {
            return [
                "Pipeline \(changes.name): left the manifests",
                "  - \(NumberFormat.grouped(changes.cancellations.count)) blocks to cancel",
            ]
        }
        var out = ["Pipeline \(changes.name) (dataset \(changes.dataset), engine \(changes.engine ?? "?"))"]
        if !changes.hasChanges {
            out[0] += ": no changes, \(NumberFormat.grouped(changes.unchanged)) blocks up to date"
            return out + rolloutLines(changes, environment: environment)
        }
        func list(_ symbol: String, _ items: WorkItemList, _ note: String) {
            for item in items.prefix(listLimit) {
                out.append(
                    "  \(symbol) \(item.id.prefix(12))  \(item.targetLanguage)  block \(item.ordinal)\(note)")
            }
            if items.count > listLimit {
                out.append("  \(symbol) … and \(NumberFormat.grouped(items.count - listLimit)) more")
            }
        }
        list("+", changes.additions, "")
        if let sizing = changes.sizingChange {
            out.append(
                "  -/+ re-cut: sizing \(sizing.old.encoded(sortedKeys: true)) → \(sizing.new.encoded(sortedKeys: true))"
            )
        }
        list("-/+", changes.recuts, "")
        if !changes.recutRemovals.isEmpty {
            out.append("  -/+ \(NumberFormat.grouped(changes.recutRemovals.count)) blocks of the old cut replaced")
        }
        list("~", changes.reprocess, "  (\(changes.reprocessFields.joined(separator: ", ")))")
        for block in changes.cancellations.prefix(listLimit) {
            out.append(
                "  - \(block.id.prefix(12))  \(block.targetLanguage)  block \(block.ordinal)  \(changes.desired?.cancellationReason(of: block) ?? "")"
            )
        }
        if changes.cancellations.count > listLimit {
            out.append("  - … and \(NumberFormat.grouped(changes.cancellations.count - listLimit)) more")
        }
        if changes.unchanged > 0 { out.append("  \(NumberFormat.grouped(changes.unchanged)) unchanged") }
        return out + rolloutLines(changes, environment: environment)
    }

    /// What happens to a pipeline's rollout: one starting, one running, one rolled back, one ended.
    private func rolloutLines(_ changes: BlockPlan.PipelineChanges, environment: String) -> [String] {
        var out: [String] = []
        if changes.supersedesRollout {
            out.append("  ends the rollout in progress: its sample goes back to the current results")
        }
        switch changes.rollout {
        case nil: break
        case .start(let first, let population, let characters)?:
            guard let spec = changes.desired?.pipeline.rollout else { break }
            out.append(
                "  rollout: step 1 of \(spec.steps.count) (\(RolloutSpec.percentText(spec.steps[0]))) reprocesses"
                    + " \(NumberFormat.grouped(first)) of the \(NumberFormat.grouped(population)) changed blocks first"
                    + " (~\(NumberFormat.grouped((characters + 3) / 4)) input tokens); steps"
                    + " \(spec.steps.map(RolloutSpec.percentText).joined(separator: ", ")), analysed by the controller,"
                    + " on failure: \(spec.onFailure.rawValue)")
        case .continuing(let state, let steps)?:
            out.append(
                "  rollout in progress (\(state.phase.rawValue), step \(state.step + 1)/\(steps)): nothing"
                    + " to apply; see `tradu rollout status -e \(environment) \(changes.name)`")
        case .held(let reason)?:
            out.append(
                "  rolled back (\(reason)): these manifests ask for the spec that was rolled back, so the pipeline"
                    + " stays on its current spec. Retry it with `tradu rollout retry -e \(environment) \(changes.name)"
                    + " -m MESSAGE`, or change the spec.")
        }
        return out
    }

    /// The versioned JSON document of `tradu plan -o json` (and the body of a saved plan).
    public func json(_ prepared: PreparedPlan) -> JSONValue {
        let environment = prepared.environment.environment
        return .object([
            ("formatVersion", .int(1)),
            ("environment", .string(environment.name)),
            ("schema", .string(environment.schema)),
            ("lineage", .string(prepared.state.lineage)),
            ("serial", .int(Int(prepared.state.serial))),
            ("manifestDigest", .string(prepared.manifestDigest)),
            ("planDigest", .string(prepared.planDigest)),
            ("manifestsChanged", .bool(prepared.manifestsChanged)),
            ("hasChanges", .bool(prepared.hasChanges)),
            ("summary", prepared.summaryJSON),
            (
                "datasets",
                .array(
                    prepared.datasets.map { cut in
                        .object([
                            ("name", .string(cut.dataset.name)), ("records", .int(cut.recordCount)),
                            ("blocks", .int(cut.blocks.count)), ("bytes", .int(Int(cut.byteCount))),
                            (
                                "recordsPerBlock",
                                .double(cut.blocks.isEmpty ? 0 : Double(cut.recordCount) / Double(cut.blocks.count))
                            ),
                            ("cutter", .int(cut.dataset.cutter ?? BlockCutter.latestVersion)),
                            ("keptBoundaries", .int(cut.keptBoundaries.count)),
                            ("skipped", .int(cut.skippedCount)), ("erased", .int(cut.erasedCount)),
                            ("skippedDiagnostics", .array(cut.skipped.map(\.json))),
                        ])
                    })
            ),
            ("pipelines", .array(prepared.blockPlan.pipelines.map(pipelineJSON))),
            (
                "estimate",
                .object(CostEstimate.of(prepared).map { ($0.engine, $0.json) })
            ),
        ])
    }

    private func pipelineJSON(_ changes: BlockPlan.PipelineChanges) -> JSONValue {
        func items(_ list: WorkItemList) -> JSONValue {
            .array(
                list.map {
                    .object([
                        ("id", .string($0.id)), ("block", .string($0.blockHash)),
                        ("language", .string($0.targetLanguage)),
                        ("ordinal", .int($0.ordinal)),
                    ])
                })
        }
        func blocks(_ list: [ExistingBlock]) -> JSONValue {
            .array(
                list.map {
                    .object([
                        ("id", .string($0.id)), ("block", .string($0.blockHash)),
                        ("language", .string($0.targetLanguage)),
                        ("ordinal", .int($0.ordinal)), ("state", .string($0.state.rawValue)),
                    ])
                })
        }
        var members: [(String, JSONValue)] = [
            ("name", .string(changes.name)), ("dataset", .string(changes.dataset)),
            ("engine", changes.engine.map { .string($0) } ?? .null), ("removed", .bool(changes.desired == nil)),
            ("specHash", changes.desired.map { .string($0.spec.hash) } ?? .null),
            ("add", items(changes.additions)), ("recut", items(changes.recuts)),
            ("recutRemovals", blocks(changes.recutRemovals)), ("reprocess", items(changes.reprocess)),
            ("reprocessFields", .array(changes.reprocessFields.map { .string($0) })),
            ("cancel", blocks(changes.cancellations)), ("unchanged", .int(changes.unchanged)),
            ("supersedesRollout", .bool(changes.supersedesRollout)), ("rollout", rolloutJSON(changes.rollout)),
        ]
        if let sizing = changes.sizingChange {
            members.append(("sizingChange", .object([("old", sizing.old), ("new", sizing.new)])))
        }
        return .object(members)
    }
}

extension PlanPresenter {
    func rolloutJSON(_ change: RolloutChange?) -> JSONValue {
        switch change {
        case nil: .null
        case .start(let first, let population, let characters)?:
            .object([
                ("action", .string("start")), ("firstStepBlocks", .int(first)), ("changedBlocks", .int(population)),
                ("firstStepInputTokens", .int(Int((characters + 3) / 4))),
            ])
        case .continuing(let state, _)?:
            .object([
                ("action", .string("continue")), ("phase", .string(state.phase.rawValue)),
                ("step", .int(state.step + 1)),
            ])
        case .held(let reason)?:
            .object([("action", .string("held")), ("reason", .string(reason))])
        }
    }
}

extension ByteSize {
    /// `1.4 MiB`: for people, rounded.
    public var humanReadable: String {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024)]
        for (unit, factor) in units where Double(bytes) >= factor {
            let value = Double(bytes) / factor
            return "\((value * 10).rounded() / 10) \(unit)"
        }
        return "\(bytes) B"
    }
}
