/// One environment (dev, staging, prod): where its rows live, its caps and its promotion gates. Its
/// overrides have already been applied to the other objects by the time this is built.
public struct EnvironmentConfig: Sendable, Hashable {
    public struct Promotion: Sendable, Hashable {
        public var from: String
        public var minCompletedRatio: Double
        public var maxFailedBlocks: Int
    }

    public var name: String
    /// The PostgreSQL schema holding every row of this environment.
    public var schema: String
    /// A database of its own, through an environment variable holding its URL.
    public var database: SecretReference?
    public var maxBlocksInFlight: Int?
    public var promotion: Promotion?

    /// `tradu_<name>` with '-' as '_': a valid unquoted PostgreSQL identifier for every valid name.
    public static func defaultSchema(for name: String) -> String {
        "tradu_" + name.replacingDashes()
    }

    /// The configuration of an environment known only by name, for commands (like `tradu db`) that need
    /// nothing but its schema.
    public static func implicit(_ name: String) -> EnvironmentConfig {
        EnvironmentConfig(
            name: name, schema: defaultSchema(for: name), database: nil, maxBlocksInFlight: nil, promotion: nil)
    }
}

extension EnvironmentConfig {
    static func decode(name: String, spec: Node, into diagnostics: inout [Diagnostic]) -> EnvironmentConfig {
        let reader = SpecReader(spec, ManifestShapes.environment)
        let schema = reader.string("schema") ?? defaultSchema(for: name)
        if !isSchemaIdentifier(schema) {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("schema"),
                    "spec.schema '\(schema)' is not a PostgreSQL schema name tradu accepts: lowercase letters, digits"
                        + " and '_', starting with a letter or '_', at most 63 characters"))
        }
        let promotion = reader.has("promotion") ? reader.object("promotion") : nil
        return EnvironmentConfig(
            name: name, schema: schema, database: reader.secretReference("databaseFrom"),
            maxBlocksInFlight: reader.object("concurrency").int("maxBlocksInFlight"),
            promotion: promotion.map {
                Promotion(
                    from: $0.string("from") ?? "", minCompletedRatio: $0.double("minCompletedRatio") ?? 1,
                    maxFailedBlocks: $0.int("maxFailedBlocks") ?? 0)
            })
    }

    static func isSchemaIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), !text.hasPrefix("pg_") else { return false }
        let lower = { (b: UInt8) in b >= 0x61 && b <= 0x7A }
        let digit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
        let underscore = UInt8(ascii: "_")
        return (lower(bytes[0]) || bytes[0] == underscore)
            && bytes.allSatisfy { lower($0) || digit($0) || $0 == underscore }
    }
}

extension String {
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
