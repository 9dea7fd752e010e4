/// Errors from opening and migrating a tradu store.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidEnvironmentName(String, reason: String)
    case invalidSchemaName(String, reason: String)
    /// The schema has migrations this build does not know: a newer tradu migrated it. Refuse rather than run
    /// old code against a newer schema.
    case databaseNewerThanCode(schema: String, unknownVersions: [Int], newestKnownVersion: Int)

    public var description: String {
        switch self {
        case .invalidEnvironmentName(let name, let reason):
            return "invalid environment name \"\(name)\": \(reason)"
        case .invalidSchemaName(let name, let reason):
            return "invalid schema name \"\(name)\": \(reason)"
        case .databaseNewerThanCode(let schema, let unknown, let newest):
            let versions = unknown.map(String.init).joined(separator: ", ")
            return "schema \(schema) has migration(s) \(versions) that this tradu does not know (it knows up to "
                + "\(newest)); upgrade tradu"
        }
    }
}
