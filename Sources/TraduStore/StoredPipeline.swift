/// A pipeline as the environment holds it: what the last apply wrote.
public struct StoredPipeline: Sendable, Hashable {
    public var name: String
    public var dataset: String
    /// Digest of the effective processing spec; a change means the pipeline's blocks need reprocessing.
    public var specHash: String
    /// JSON text (stored as jsonb, so read back in PostgreSQL's normalised form).
    public var processingSpec: String
    /// JSON text (stored as jsonb).
    public var sizing: String
    /// Counts changes to the stored pipeline, starting at 1. Ignored on apply: the store assigns it.
    public var generation: Int64
    public var priority: Int

    public init(
        name: String, dataset: String, specHash: String, processingSpec: String, sizing: String,
        generation: Int64 = 1, priority: Int = 50
    ) {
        self.name = name
        self.dataset = dataset
        self.specHash = specHash
        self.processingSpec = processingSpec
        self.sizing = sizing
        self.generation = generation
        self.priority = priority
    }
}
