/// Which migrations an environment schema has, and which it lacks.
public struct MigrationStatus: Sendable, Equatable {
    public struct Applied: Sendable, Equatable {
        public var version: Int
        public var name: String
        /// As PostgreSQL prints a timestamptz.
        public var appliedAt: String
    }

    public var schema: String
    public var schemaExists: Bool
    public var applied: [Applied]
    /// Known migrations not applied yet, in order.
    public var pending: [Migration]
    /// Applied versions this build does not know (a newer tradu migrated the schema).
    public var unknownVersions: [Int]

    public var currentVersion: Int? { applied.map(\.version).max() }
    public var isUpToDate: Bool { pending.isEmpty && unknownVersions.isEmpty }
}
