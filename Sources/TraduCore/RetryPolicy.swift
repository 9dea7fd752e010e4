/// How failed attempts are retried.
public struct RetryPolicy: Sendable, Hashable {
    public var name: String
    public var maxAttempts: Int
    public var initialBackoff: DurationValue
    public var multiplier: Double
    public var maxBackoff: DurationValue
    public var jitter: Double
    public var retryOn: [String]
    public var deadLetter: Bool

    /// The policy of a pipeline that names none.
    public static let `default` = RetryPolicy(
        name: "default", maxAttempts: 3, initialBackoff: .seconds(1), multiplier: 2, maxBackoff: .seconds(300),
        jitter: 0.2, retryOn: ["capacity", "dependency", "infrastructure"], deadLetter: true)
}

extension RetryPolicy {
    static func decode(name: String, spec: Node, into diagnostics: inout [Diagnostic]) -> RetryPolicy {
        let reader = SpecReader(spec, ManifestShapes.retryPolicy)
        let backoff = reader.object("backoff")
        let policy = RetryPolicy(
            name: name, maxAttempts: reader.int("maxAttempts") ?? 3,
            initialBackoff: backoff.duration("initial") ?? .seconds(1), multiplier: backoff.double("multiplier") ?? 2,
            maxBackoff: backoff.duration("max") ?? .seconds(300), jitter: backoff.double("jitter") ?? 0.2,
            retryOn: reader.strings("retryOn") ?? [], deadLetter: reader.bool("deadLetter") ?? true)
        if policy.initialBackoff > policy.maxBackoff {
            diagnostics.append(
                Diagnostic(
                    at: backoff.valueRange("initial"),
                    "spec.backoff.initial (\(policy.initialBackoff)) must not exceed spec.backoff.max"
                        + " (\(policy.maxBackoff))"))
        }
        return policy
    }
}
