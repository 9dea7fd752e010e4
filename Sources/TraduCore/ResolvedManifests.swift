/// Everything one environment wants, after scoping and overrides: the input of the planner.
public struct ResolvedManifests: Sendable, Hashable {
    public var environment: EnvironmentConfig
    public var datasets: [String: Dataset]
    public var engines: [String: Engine]
    public var retryPolicies: [String: RetryPolicy]
    public var pipelines: [String: Pipeline]
    /// The effective spec of every object in the environment (overrides applied), by identity: what
    /// `tradu diff` compares and what a revision stores. Secrets appear only as references.
    public var effectiveSpecs: [ObjectID: JSONValue]

    /// The retry policy a pipeline runs with.
    public func retryPolicy(for pipeline: Pipeline) -> RetryPolicy {
        pipeline.retryPolicy.flatMap { retryPolicies[$0] } ?? .default
    }
}
