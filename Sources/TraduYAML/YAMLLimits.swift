/// Bounds that keep a hostile or accidental manifest from exhausting memory or the stack.
public struct YAMLLimits: Sendable, Hashable {
    /// Deepest allowed nesting of mappings and sequences, counting the nesting that aliases bring in.
    public var maxDepth: Int
    /// Most nodes one `load` call may produce, counting every node an alias copies (so "billion laughs"
    /// documents fail fast however few aliases they use).
    public var maxNodes: Int
    /// Largest input accepted, in bytes.
    public var maxInputBytes: Int

    public init(maxDepth: Int = 64, maxNodes: Int = 100_000, maxInputBytes: Int = 16 << 20) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxInputBytes = maxInputBytes
    }

    public static let `default` = YAMLLimits()
}
