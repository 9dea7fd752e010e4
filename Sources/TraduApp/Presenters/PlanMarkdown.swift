import TraduCore

/// `tradu plan -o markdown`: the pull-request comment. The summary line, counts per pipeline, the token estimate,
/// the first changes and the plan digest, in at most `maxCharacters` (GitHub refuses comments over 65,536): a plan
/// too large to show whole says so and points to the saved plan.
public struct PlanMarkdown: Sendable {
    public var listLimit: Int
    public var maxCharacters: Int
    /// Where the whole plan is (the CI artifact), named when the comment is truncated.
    public var artifact: String?

    public init(listLimit: Int = 10, maxCharacters: Int = 60_000, artifact: String? = nil) {
        self.listLimit = listLimit
        self.maxCharacters = maxCharacters
        self.artifact = artifact
    }

    public func render(_ prepared: PreparedPlan) -> String {
        let environment = prepared.environment.environment.name
        let presenter = PlanPresenter(listLimit: listLimit)
        var head: [String] = ["### tradu plan · `\(environment)`", ""]
        head.append("**\(presenter.summaryLine(prepared))**")
        head.append("")
        var table = ["| pipeline | add | reprocess | re-cut | cancel | unchanged |", "|---|---:|---:|---:|---:|---:|"]
        for changes in prepared.blockPlan.pipelines {
            let name = changes.desired == nil ? "\(changes.name) (removed)" : changes.name
            table.append(
                "| \(Self.escaped(name)) | \(NumberFormat.grouped(changes.additions.count))"
                    + " | \(NumberFormat.grouped(changes.reprocess.count)) | \(NumberFormat.grouped(changes.recuts.count))"
                    + " | \(NumberFormat.grouped(changes.cancellations.count))"
                    + " | \(NumberFormat.grouped(changes.unchanged)) |")
        }
        var estimate: [String] = []
        for line in CostEstimate.of(prepared) {
            var text =
                "- engine `\(line.engine)`: ~\(NumberFormat.grouped(line.inputTokens)) input tokens"
                + " (\(NumberFormat.grouped(line.characters)) characters), ~\(NumberFormat.grouped(line.outputTokens))"
                + " output tokens"
            if let micros = line.costMicros, let currency = line.currency {
                text += ", ~\(CostFormat.money(micros, currency))"
            }
            estimate.append(text)
        }
        if !estimate.isEmpty { estimate.insert("Estimate:", at: 0) }
        var changes: [String] = []
        for pipeline in prepared.blockPlan.pipelines where pipeline.hasChanges || pipeline.desired == nil {
            changes += Self.changeLines(pipeline, limit: listLimit)
        }
        let foot = [
            "",
            "Plan digest `\(prepared.planDigest)` · serial \(prepared.state.serial) · lineage"
                + " `\(prepared.state.lineage.prefix(8))` · manifests `\(prepared.manifestDigest.prefix(12))`",
        ]

        // Whatever the plan's size, the head and foot always fit; tables and changes give way, line by line.
        let truncationNote =
            "_The plan is too large to show whole here: "
            + (artifact.map { "the full plan is in the artifact `\($0)`._" } ?? "save it with `tradu plan --out FILE`._")
        var budget = maxCharacters - Self.length(head + foot) - truncationNote.count - 200
        var truncated = false
        func fit(_ lines: [String]) -> [String] {
            var kept: [String] = []
            for line in lines {
                if budget - line.count - 1 < 0 {
                    truncated = true
                    break
                }
                budget -= line.count + 1
                kept.append(line)
            }
            return kept
        }
        var body = fit(table)
        if !estimate.isEmpty { body += [""] + fit(estimate) }
        if !changes.isEmpty {
            let shown = fit(changes)
            if !shown.isEmpty {
                body +=
                    ["", "<details><summary>First changes</summary>", "", "```diff"] + shown + [
                        "```", "", "</details>",
                    ]
            }
        }
        if truncated { body += ["", truncationNote] }
        return (head + body + foot).joined(separator: "\n") + "\n"
    }

    static func changeLines(_ changes: BlockPlan.PipelineChanges, limit: Int) -> [String] {
        guard changes.desired != nil else {
            return ["- \(changes.name): left the manifests, \(changes.cancellations.count) blocks to cancel"]
        }
        var out = ["# \(changes.name)"]
        func list(_ symbol: String, _ items: WorkItemList, _ note: String) {
            for item in items.prefix(limit) {
                out.append("\(symbol) \(item.id.prefix(12))  \(item.targetLanguage)  block \(item.ordinal)\(note)")
            }
            if items.count > limit { out.append("\(symbol) … and \(NumberFormat.grouped(items.count - limit)) more") }
        }
        list("+", changes.additions, "")
        list("+", changes.recuts, "  (re-cut)")
        list("!", changes.reprocess, "  (\(changes.reprocessFields.joined(separator: ", ")))")
        for block in changes.cancellations.prefix(limit) {
            out.append(
                "- \(block.id.prefix(12))  \(block.targetLanguage)  block \(block.ordinal)  \(changes.desired?.cancellationReason(of: block) ?? "")"
            )
        }
        if changes.cancellations.count > limit {
            out.append("- … and \(NumberFormat.grouped(changes.cancellations.count - limit)) more")
        }
        return out
    }

    static func length(_ lines: [String]) -> Int { lines.reduce(0) { $0 + $1.count + 1 } }

    /// Table cells cannot hold `|`.
    static func escaped(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
