import Testing

@testable import TraduCore

@Suite struct RetryDecisionTests {
    let policy = RetryPolicy(
        name: "p", maxAttempts: 5, initialBackoff: .seconds(2), multiplier: 2, maxBackoff: .seconds(10), jitter: 0.2,
        retryOn: ["capacity", "dependency"], deadLetter: true)

    @Test func backoffGrowsGeometricallyUpToTheMaximum() {
        // random 0.5 means no jitter.
        let delays = (1...5).map { RetryDecision.backoff(policy: policy, attempt: $0, random: 0.5).milliseconds }
        #expect(delays == [2000, 4000, 8000, 10_000, 10_000])
    }

    @Test func jitterSpreadsWithinTheFraction() {
        #expect(RetryDecision.backoff(policy: policy, attempt: 1, random: 0).milliseconds == 1600)
        #expect(RetryDecision.backoff(policy: policy, attempt: 1, random: 0.999_999).milliseconds == 2400)
    }

    @Test func retryAfterIsHonouredWhenLonger() {
        let failure = BlockFailure(.capacity, "429", retryAfter: .seconds(30))
        #expect(
            RetryDecision.decide(policy: policy, attempt: 1, failure: failure, random: 0.5)
                == .retry(after: .seconds(30)))
        let short = BlockFailure(.capacity, "429", retryAfter: DurationValue(milliseconds: 10))
        #expect(
            RetryDecision.decide(policy: policy, attempt: 1, failure: short, random: 0.5) == .retry(after: .seconds(2)))
    }

    @Test func classesOutsideThePolicyFailAtOnce() {
        let decision = RetryDecision.decide(
            policy: policy, attempt: 1, failure: BlockFailure(.data, "lost {name}"), random: 0.5)
        #expect(decision == .fail(reason: "data errors do not retry under policy 'p'"))
    }

    @Test func theLastAttemptDeadLetters() {
        let failure = BlockFailure(.dependency, "500")
        #expect(
            RetryDecision.decide(policy: policy, attempt: 4, failure: failure, random: 0.5)
                == .retry(after: .seconds(10)))
        #expect(
            RetryDecision.decide(policy: policy, attempt: 5, failure: failure, random: 0.5)
                == .fail(reason: "out of attempts (5 of 5)"))
    }
}
