import TraduApp
import TraduCore

/// `/environments/{env}/history`: applied revisions, promotions with every gate's measured value, rollouts with
/// their analyses, and the audit of operator actions (who, why, from where).
enum HistoryPage {
    static let shown = 25

    static func content(frame: ConsoleFrame, service: OperatorService) async throws -> HTML {
        let revisions = try await service.revisionsJSON(limit: shown)["items"]?.arrayValue ?? []
        let promotions = try await service.promotionsJSON(limit: shown)["items"]?.arrayValue ?? []
        let rollouts = try await service.rolloutsJSON()["items"]?.arrayValue ?? []
        let actions = try await service.actionsJSON(limit: shown)["items"]?.arrayValue ?? []

        let revisionRows: [HTML] = revisions.map { revision in
            let plan = revision["summary"]?["plan"]
            let changes = ["add", "reprocess", "recut", "cancel"].compactMap { key -> String? in
                guard let count = plan?[key]?.intValue, count > 0 else { return nil }
                return "\(key) \(ConsoleFormat.count(count))"
            }
            return """
                <tr><td class="num">\(ConsoleFormat.text(revision["number"]))</td><td>\(ConsoleFormat.time(revision["appliedAt"]?.stringValue))</td>
                <td>\(ConsoleFormat.text(revision["appliedBy"]))</td><td>\(ConsoleFormat.text(revision["message"]))</td>
                <td class="mono">\(ConsoleFormat.text(revision["freight"]))</td><td class="mono">\(String((revision["gitCommit"]?.stringValue ?? "—").prefix(12)))</td>
                <td>\(changes.isEmpty ? "no block change" : changes.joined(separator: ", "))</td></tr>
                """
        }
        let promotionItems: [HTML] = promotions.map { promotion in
            let reasons = (promotion["reasons"]?.arrayValue ?? []).compactMap(\.stringValue)
            let from = promotion["sourceEnvironment"]?.stringValue.map { " from \($0)" } ?? ""
            return """
                <details class="record"><summary><span class="phase phase-\(promotion["phase"]?.stringValue ?? "?")">\(ConsoleFormat.text(promotion["phase"]))</span> freight <span class="mono">\(ConsoleFormat.text(promotion["freight"]))</span>\(from)\(promotion["rollback"] == .bool(true) ? " (rollback)" : "") · \(ConsoleFormat.text(promotion["requestedBy"])) · \(ConsoleFormat.time(promotion["createdAt"]?.stringValue))</summary>
                \(promotion["message"]?.stringValue.map { HTML("<p>\($0)</p>") } ?? HTML.empty)
                \(reasons.isEmpty ? HTML.empty : HTML("<ul>\(reasons.map { HTML("<li>\($0)</li>") })</ul>"))
                \(ConsoleFormat.table(promotion["gates"]?.arrayValue ?? [], caption: "Gates"))
                \(ConsoleFormat.table(promotion["allowances"]?.arrayValue ?? [], caption: "Allowances"))
                </details>
                """
        }
        let rolloutItems: [HTML] = rollouts.map { rollout in
            let steps = (rollout["steps"]?.arrayValue ?? []).map { ConsoleFormat.text($0) }.joined(separator: " → ")
            return """
                <details class="record"><summary><strong>\(ConsoleFormat.text(rollout["pipeline"]))</strong> <span class="phase phase-\(rollout["phase"]?.stringValue ?? "?")">\(ConsoleFormat.text(rollout["phase"]))</span> · revision \(ConsoleFormat.text(rollout["revision"])) · step \(ConsoleFormat.text(rollout["step"])) of \(steps) · sample \(ConsoleFormat.text(rollout["sample"]?["total"])) (\(ConsoleFormat.text(rollout["sample"]?["open"])) open) · \(ConsoleFormat.time(rollout["createdAt"]?.stringValue))</summary>
                \(ConsoleFormat.table(rollout["analyses"]?.arrayValue ?? [], caption: "Analyses"))
                \(ConsoleFormat.table(rollout["events"]?.arrayValue ?? [], caption: "Events"))
                </details>
                """
        }
        let actionRows: [HTML] = actions.map { action in
            """
            <tr><td>\(ConsoleFormat.time(action["at"]?.stringValue))</td><td>\(ConsoleFormat.text(action["action"]))</td><td>\(ConsoleFormat.text(action["pipeline"]))</td>
            <td>\(ConsoleFormat.text(action["actor"]))</td><td>\(ConsoleFormat.text(action["via"]))</td><td>\(ConsoleFormat.text(action["reason"]))</td><td>\(ConsoleFormat.text(action["detail"]))</td></tr>
            """
        }
        func section(_ id: String, _ title: String, _ body: HTML, empty: String, isEmpty: Bool) -> HTML {
            "<section aria-labelledby=\"\(id)\"><h2 id=\"\(id)\">\(title)</h2>\(isEmpty ? HTML("<p class=\"empty\">\(empty)</p>") : body)</section>"
        }
        return [
            section(
                "revisions", "Revisions",
                """
                <table><thead><tr><th scope="col" class="num">#</th><th scope="col">Applied</th><th scope="col">By</th><th scope="col">Message</th><th scope="col">Freight</th><th scope="col">Commit</th><th scope="col">Blocks</th></tr></thead><tbody>\(revisionRows)</tbody></table>
                """, empty: "No revision applied.", isEmpty: revisions.isEmpty),
            section(
                "promotions", "Promotions", promotionItems.joined(), empty: "No promotion into this environment.",
                isEmpty: promotions.isEmpty),
            section(
                "rollouts", "Rollouts", rolloutItems.joined(), empty: "No rollout.", isEmpty: rollouts.isEmpty),
            section(
                "audit", "Operator actions",
                """
                <table><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Pipeline</th><th scope="col">Who</th><th scope="col">Via</th><th scope="col">Why</th><th scope="col">What</th></tr></thead><tbody>\(actionRows)</tbody></table>
                """, empty: "No operator action recorded.", isEmpty: actions.isEmpty),
        ].joined()
    }
}
