/// A block to run again from the start because its pipeline's effective spec changed.
public struct BlockReprocess: Sendable, Hashable {
    public var id: String
    /// The new effective spec's digest.
    public var specHash: String
    /// Recorded in the block's event, e.g. `spec changed: engine.model`.
    public var reason: String

    public init(id: String, specHash: String, reason: String) {
        self.id = id
        self.specHash = specHash
        self.reason = reason
    }
}
