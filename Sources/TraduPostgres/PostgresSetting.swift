/// A server setting for one transaction: `SET LOCAL name TO value`, gone at its end.
public struct PostgresSetting: Sendable, Hashable {
    /// The setting's name (`enable_seqscan`, `plan_cache_mode`).
    public var name: String
    /// SQL text: a word, a number or a quoted literal (`off`, `force_generic_plan`, `'1s'`).
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// The `SET LOCAL` statement. Throws for a name with a NUL character.
    func statement() throws -> String {
        "SET LOCAL \(try PostgresQuoting.identifier(name)) TO \(value)"
    }
}
