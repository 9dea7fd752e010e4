import TraduCore
import TraduStore

/// Renders `tradu history`.
public enum HistoryPresenter {
    public static func text(_ revisions: [Revision], environment: String) -> String {
        guard !revisions.isEmpty else { return "No revision has been applied to \(environment)." }
        var table = TextTable(["REV", "SERIAL", "APPLIED AT", "BY", "GIT", "MANIFESTS", "CHANGES", "MESSAGE"])
        for revision in revisions {
            let summary = revision.summary.flatMap { try? JSONText.parse($0, name: "summary") }?["plan"]
            func count(_ key: String) -> Int {
                if case .int(let value)? = summary?[key] { return value }
                return 0
            }
            table.append([
                String(revision.number), revision.serial.map(String.init) ?? "-", revision.appliedAt,
                revision.appliedBy, String((revision.gitCommit ?? "-").prefix(8)),
                String(revision.manifestDigest.prefix(9)),
                "+\(count("add")) ~\(count("reprocess")) -\(count("cancel"))",
                revision.message ?? "",
            ])
        }
        return table.rendered
    }

    public static func json(_ revisions: [Revision], environment: String) -> JSONValue {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            (
                "revisions",
                .array(
                    revisions.map { revision in
                        .object([
                            ("number", .int(Int(revision.number))),
                            ("serial", revision.serial.map { .int(Int($0)) } ?? .null),
                            ("appliedAt", .string(revision.appliedAt)), ("appliedBy", .string(revision.appliedBy)),
                            ("gitCommit", revision.gitCommit.map { .string($0) } ?? .null),
                            ("manifestDigest", .string(revision.manifestDigest)),
                            ("planDigest", revision.planDigest.map { .string($0) } ?? .null),
                            ("message", revision.message.map { .string($0) } ?? .null),
                            ("summary", revision.summary.flatMap { try? JSONText.parse($0, name: "summary") } ?? .null),
                        ])
                    })
            ),
        ])
    }
}
