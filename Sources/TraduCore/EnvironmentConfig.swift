/// One environment (dev, staging, prod): where its rows live, its caps and its promotion gates. Its
/// overrides have already been applied to the other objects by the time this is built.
public struct EnvironmentConfig: Sendable, Hashable {
    /// The gates a promotion into this environment must pass (`tradu promote`), and what it may change.
    public struct Promotion: Sendable, Hashable {
        /// The direct upstream environment: the only one whose freight this environment accepts.
        public var from: String
        public var minCompletedRatio: Double
        public var maxFailedBlocks: Int
        /// Highest share of the source's blocks that met an error of a class (`data` → 0.01), whatever the
        /// block's final state.
        public var maxErrorRatio: [String: Double]
        /// How long the source's blocks must have been final, with no failure since.
        public var minSoak: DurationValue?
        public var requireApproval: Bool
        /// Whether the one who promotes may also be the one who approved.
        public var allowSelfApproval: Bool
        /// Branch names (or `*` globs) the freight's git commit must be reachable from; empty allows any.
        public var allowedBranches: [String]
        /// Processing-spec fields (`engine.model`) that may differ between source and target.
        public var allowDifferences: [String]
        /// Whether the target's leading controller promotes by itself once the gates pass.
        public var auto: Bool
        /// Whether `tradu apply` may change the environment directly. Off: it takes changes only through
        /// `tradu promote` (or an apply with `--bypass-promotion`, recorded with its reason).
        public var allowDirectApply: Bool

        public init(
            from: String, minCompletedRatio: Double = 1, maxFailedBlocks: Int = 0,
            maxErrorRatio: [String: Double] = [:],
            minSoak: DurationValue? = nil, requireApproval: Bool = false, allowSelfApproval: Bool = false,
            allowedBranches: [String] = [], allowDifferences: [String] = [], auto: Bool = false,
            allowDirectApply: Bool = false
        ) {
            self.allowDirectApply = allowDirectApply
            self.from = from
            self.minCompletedRatio = minCompletedRatio
            self.maxFailedBlocks = maxFailedBlocks
            self.maxErrorRatio = maxErrorRatio
            self.minSoak = minSoak
            self.requireApproval = requireApproval
            self.allowSelfApproval = allowSelfApproval
            self.allowedBranches = allowedBranches
            self.allowDifferences = allowDifferences
            self.auto = auto
        }
    }

    public var name: String
    /// The PostgreSQL schema holding every row of this environment.
    public var schema: String
    /// A database of its own, through an environment variable holding its URL.
    public var database: SecretReference?
    public var maxBlocksInFlight: Int?
    public var promotion: Promotion?
    /// The environment's spending limit, across its pipelines.
    public var budget: Budget?

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
            promotion: promotion.map(Promotion.decode),
            budget: reader.has("budget") ? Budget.decode(reader.object("budget")) : nil)
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

extension EnvironmentConfig.Promotion {
    static func decode(_ reader: SpecReader) -> EnvironmentConfig.Promotion {
        let ratios = reader.object("maxErrorRatio")
        var maxErrorRatio: [String: Double] = [:]
        for errorClass in ManifestShapes.errorClasses {
            if let ratio = ratios.double(errorClass) { maxErrorRatio[errorClass] = ratio }
        }
        return EnvironmentConfig.Promotion(
            from: reader.string("from") ?? "", minCompletedRatio: reader.double("minCompletedRatio") ?? 1,
            maxFailedBlocks: reader.int("maxFailedBlocks") ?? 0, maxErrorRatio: maxErrorRatio,
            minSoak: reader.duration("minSoak"), requireApproval: reader.bool("requireApproval") ?? false,
            allowSelfApproval: reader.bool("allowSelfApproval") ?? false,
            allowedBranches: reader.strings("allowedBranches") ?? [],
            allowDifferences: reader.strings("allowDifferences") ?? [], auto: reader.bool("auto") ?? false,
            allowDirectApply: reader.bool("allowDirectApply") ?? false)
    }
}
