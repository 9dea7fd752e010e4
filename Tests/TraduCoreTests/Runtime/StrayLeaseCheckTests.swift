import Testing

@testable import TraduCore

@Suite struct StrayLeaseCheckTests {
    let start = ContinuousClock.now

    @Test func aStartedWorkerFirstLooksAfterAWholeInterval() {
        var check = StrayLeaseCheck(now: start)
        #expect(!check.isDue(now: start, interval: .seconds(10)))
        #expect(!check.isDue(now: start + .seconds(9), interval: .seconds(10)))
        #expect(check.isDue(now: start + .seconds(10), interval: .seconds(10)))
        check.checked(at: start + .seconds(10))
        #expect(!check.isDue(now: start + .seconds(19), interval: .seconds(10)))
        #expect(check.isDue(now: start + .seconds(20), interval: .seconds(10)))
    }

    @Test func aFailedClaimMakesTheLookDueAtOnceUntilALookSucceeds() {
        var check = StrayLeaseCheck(now: start)
        check.claimFailed()
        #expect(check.isDue(now: start, interval: .seconds(10)))
        // The look itself failed (the database is still away): still due.
        #expect(check.isDue(now: start + .milliseconds(500), interval: .seconds(10)))
        check.checked(at: start + .seconds(1))
        #expect(!check.isDue(now: start + .seconds(2), interval: .seconds(10)))
        check.claimFailed()
        #expect(check.isDue(now: start + .seconds(3), interval: .seconds(10)))
    }
}
