/// One schema change. Its SQL runs in a transaction with `search_path` set to the environment's schema, so it
/// names tables without a schema prefix.
public struct Migration: Sendable, Hashable {
    /// Positive, strictly increasing in the list. Never renumber or edit a released migration: add a new one.
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
