/// One schema change. Its SQL runs in a transaction with `search_path` set to the environment's schema, so it
/// names tables without a schema prefix.
public struct Migration: Sendable, Hashable {
    /// What a migration leaves the previous release able to do.
    ///
    /// The rule (docs/ARCHITECTURE.md, "Migrations and rolling updates"; `MigrationTests` checks the SQL of every
    /// `expand` migration against it): an expand migration only adds — tables, columns that are nullable or have a
    /// default, indexes, functions — so the previous release's statements keep their meaning. It never drops or
    /// renames a table or column, changes a type, adds `NOT NULL` to an existing column, or drops a constraint or
    /// key the previous release relies on. Anything else is a contract migration, released only after every
    /// process runs a build that no longer needs what it removes.
    public enum Compatibility: String, Sendable, Hashable {
        /// The previous release keeps working on the new schema: a pod of it that restarts mid-rollout runs.
        case expand
        /// The previous release must not run on the new schema: it refuses to start (`databaseNewerThanCode`).
        case contract
    }

    /// Positive, strictly increasing in the list. Never renumber or edit a released migration: add a new one.
    public var version: Int
    public var name: String
    public var sql: String
    public var compatibility: Compatibility

    public init(version: Int, name: String, sql: String, compatibility: Compatibility = .contract) {
        self.version = version
        self.name = name
        self.sql = sql
        self.compatibility = compatibility
    }
}
