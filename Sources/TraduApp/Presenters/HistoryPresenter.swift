import TraduCore
import TraduStore

/// Renders `tradu history`.
public enum HistoryPresenter {
    /// `spend`: per revision, the tokens and cost of the work on the blocks it last (re)planned.
    public static func text(_ revisions: [Revision], environment: String, spend: [Int64: SpendRow] = [:]) -> String {
        guard !revisions.isEmpty else { return "No revision has been applied to \(environment)." }
        var table = TextTable(
            ["REV", "SERIAL", "APPLIED AT", "BY", "GIT", "FREIGHT", "CHANGES", "SPENT", "ORIGIN", "MESSAGE"])
        for revision in revisions {
            let summary = revision.summary.flatMap { try? JSONText.parse($0, name: "summary") }?["plan"]
            func count(_ key: String) -> Int {
                if case .int(let value)? = summary?[key] { return value }
                return 0
            }
            table.append([
                String(revision.number), revision.serial.map(String.init) ?? "-", revision.appliedAt,
                revision.appliedBy, String((revision.gitCommit ?? "-").prefix(8)), revision.freight?.id ?? "-",
                "+\(count("add")) ~\(count("reprocess")) -\(count("cancel"))", spent(spend[revision.number]),
                origin(revision),
                revision.message ?? "",
            ])
        }
        return table.rendered
    }

    /// `0.42 USD`, `12,345 tokens` for an engine without pricing, `-` for no work.
    static func spent(_ row: SpendRow?) -> String {
        guard let row, row.attempts > 0 else { return "-" }
        if !row.currency.isEmpty { return CostFormat.money(row.costMicros, row.currency) }
        return NumberFormat.grouped(Int(row.inputTokens + row.outputTokens)) + " tokens"
    }

    /// "applied", "promoted from staging rev 3", or "rollback to rev 2".
    static func origin(_ revision: Revision) -> String {
        guard let text = revision.promotedFrom, let from = try? JSONText.parse(text, name: "promoted_from") else {
            return "applied"
        }
        var number = "?"
        if case .int(let value)? = from["revision"] { number = String(value) }
        if from["rollback"] == .bool(true) { return "rollback to rev \(number)" }
        var source = "?"
        if case .string(let name)? = from["environment"] { source = name }
        return "promoted from \(source) rev \(number)"
    }

    public static func json(_ revisions: [Revision], environment: String, spend: [Int64: SpendRow] = [:]) -> JSONValue {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            ("revisions", .array(revisions.map { json($0, spend: spend[$0.number]) })),
        ])
    }

    static func json(_ revision: Revision, spend: SpendRow? = nil) -> JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        func parsed(_ text: String?, _ name: String) -> JSONValue {
            text.flatMap { try? JSONText.parse($0, name: name) } ?? .null
        }
        var members: [(String, JSONValue)] = [
            ("number", .int(Int(revision.number))), ("serial", revision.serial.map { .int(Int($0)) } ?? .null),
            ("appliedAt", .string(revision.appliedAt)), ("appliedBy", .string(revision.appliedBy)),
            ("gitCommit", optional(revision.gitCommit)), ("manifestDigest", .string(revision.manifestDigest)),
            ("planDigest", optional(revision.planDigest)), ("message", optional(revision.message)),
        ]
        members.append(("summary", parsed(revision.summary, "summary")))
        members.append(("freight", optional(revision.freight?.id)))
        members.append(("gitBranch", optional(revision.freight?.gitBranch)))
        members.append(("promotedFrom", parsed(revision.promotedFrom, "promoted_from")))
        if let spend, spend.attempts > 0 {
            var fields: [(String, JSONValue)] = [
                ("inputTokens", .int(Int(spend.inputTokens))), ("outputTokens", .int(Int(spend.outputTokens))),
                ("attempts", .int(Int(spend.attempts))), ("failedAttempts", .int(Int(spend.failedAttempts))),
            ]
            if !spend.currency.isEmpty {
                fields += [("cost", .double(spend.cost)), ("currency", .string(spend.currency))]
            }
            members.append(("spend", .object(fields)))
        }
        return .object(members)
    }
}
