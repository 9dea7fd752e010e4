/// Field-by-field differences between two canonical manifest sets (`"Kind/name" → spec`): what
/// `tradu diff` shows between the manifests and the applied revision.
public enum ManifestDiff {
    public struct ObjectChange: Sendable, Hashable {
        public enum Action: String, Sendable, Hashable {
            case added, removed, changed
        }

        /// `Kind/name`.
        public var object: String
        public var action: Action
        public var fields: [JSONDiff.Change]
    }

    /// - Parameter old: the applied manifests; nil when nothing was ever applied.
    public static func compare(old: JSONValue?, new: JSONValue) -> [ObjectChange] {
        let before = members(old)
        let after = members(new)
        let names = Set(before.keys).union(after.keys).sorted()
        return names.compactMap { name in
            switch (before[name], after[name]) {
            case (nil, let spec?):
                return ObjectChange(object: name, action: .added, fields: JSONDiff.changes(from: nil, to: spec))
            case (let spec?, nil):
                return ObjectChange(object: name, action: .removed, fields: JSONDiff.changes(from: spec, to: nil))
            case (let a?, let b?):
                let fields = JSONDiff.changes(from: a, to: b)
                return fields.isEmpty ? nil : ObjectChange(object: name, action: .changed, fields: fields)
            default:
                return nil
            }
        }
    }

    private static func members(_ value: JSONValue?) -> [String: JSONValue] {
        guard case .object(let members)? = value else { return [:] }
        return Dictionary(members, uniquingKeysWith: { a, _ in a })
    }
}
