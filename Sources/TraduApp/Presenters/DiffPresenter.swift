import TraduCore

/// Renders `tradu diff`.
public enum DiffPresenter {
    public static func text(_ changes: [ManifestDiff.ObjectChange], environment: String, revision: Int64?) -> String {
        var out = [
            revision.map { "Manifests of \(environment) against applied revision \($0):" }
                ?? "Nothing applied to \(environment) yet: every object is new."
        ]
        for change in changes {
            let symbol = change.action == .added ? "+" : change.action == .removed ? "-" : "~"
            out.append("\(symbol) \(change.object)")
            guard change.action == .changed else { continue }
            for field in change.fields {
                out.append("    \(field.path): \(show(field.old)) → \(show(field.new))")
            }
        }
        let count = { (action: ManifestDiff.ObjectChange.Action) in changes.filter { $0.action == action }.count }
        out.append(
            changes.isEmpty
                ? "No changes."
                : "Diff: \(count(.added)) added, \(count(.changed)) changed, \(count(.removed)) removed.")
        return out.joined(separator: "\n")
    }

    public static func json(_ changes: [ManifestDiff.ObjectChange], environment: String, revision: Int64?) -> JSONValue
    {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            ("revision", revision.map { .int(Int($0)) } ?? .null), ("hasChanges", .bool(!changes.isEmpty)),
            (
                "objects",
                .array(
                    changes.map { change in
                        .object([
                            ("object", .string(change.object)), ("action", .string(change.action.rawValue)),
                            (
                                "fields",
                                .array(
                                    change.fields.map {
                                        .object([
                                            ("path", .string($0.path)), ("old", $0.old ?? .null),
                                            ("new", $0.new ?? .null),
                                        ])
                                    })
                            ),
                        ])
                    })
            ),
        ])
    }

    private static func show(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = value.encoded()
        return text.count > 80 ? String(text.prefix(77)) + "…" : text
    }
}
