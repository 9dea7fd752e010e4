/// What happens after a failed attempt, decided by the pipeline's retry policy.
public enum RetryDecision: Sendable, Hashable {
    /// Back to `enqueued`, runnable after this delay.
    case retry(after: DurationValue)
    /// To `failed`: the class does not retry, or the attempts are used up (dead-lettered).
    case fail(reason: String)

    /// - Parameters:
    ///   - attempt: the attempt that just failed, from 1, counted since the block was last (re)planned.
    ///   - random: a number in [0, 1) for the jitter; injected so the decision stays pure and testable.
    public static func decide(
        policy: RetryPolicy, attempt: Int, failure: BlockFailure, random: Double
    ) -> RetryDecision {
        guard policy.retryOn.contains(failure.errorClass.rawValue) else {
            return .fail(reason: "\(failure.errorClass.rawValue) errors do not retry under policy '\(policy.name)'")
        }
        guard attempt < policy.maxAttempts else {
            return .fail(reason: "out of attempts (\(attempt) of \(policy.maxAttempts))")
        }
        var delay = backoff(policy: policy, attempt: attempt, random: random)
        if let retryAfter = failure.retryAfter, retryAfter > delay { delay = retryAfter }
        return .retry(after: delay)
    }

    /// `min(initial * multiplier^(attempt-1), max)`, spread by ±jitter.
    public static func backoff(policy: RetryPolicy, attempt: Int, random: Double) -> DurationValue {
        var base = Double(policy.initialBackoff.milliseconds)
        for _ in 1..<max(attempt, 1) {
            base *= policy.multiplier
            if base >= Double(policy.maxBackoff.milliseconds) { break }
        }
        base = min(base, Double(policy.maxBackoff.milliseconds))
        let spread = base * policy.jitter * (2 * random - 1)
        return DurationValue(milliseconds: Int64(max(0, (base + spread).rounded())))
    }
}
