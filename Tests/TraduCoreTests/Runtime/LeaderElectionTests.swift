import Testing
import TraduCore

/// `LeaderElection`: every event in every state (unknown, leading, standing by), with time as an input.
@Suite struct LeaderElectionTests {
    let start = ContinuousClock.now

    static func election() -> LeaderElection {
        LeaderElection(candidate: "me", leaseDuration: .seconds(10), renewEvery: .milliseconds(200))
    }

    // MARK: Unknown

    @Test func aNewControllerAsksForTheLeaseAndIsNotLeading() {
        let election = Self.election()
        #expect(election.tick(now: start) == .renew)
        #expect(!election.isLeading(at: start))
        #expect(election.term == nil)
    }

    @Test func takingTheLeaseStartsLeading() {
        var election = Self.election()
        #expect(election.renewed(.init(holder: "me", term: 3), at: start) == .startedLeading(term: 3))
        #expect(election.isLeading(at: start))
        #expect(election.term == 3)
    }

    @Test func findingAnotherLeaderStandsBy() {
        var election = Self.election()
        #expect(election.renewed(.init(holder: "other", term: 2), at: start) == .standingBy(leader: "other", term: 2))
        #expect(!election.isLeading(at: start))
    }

    @Test func losingTheDatabaseWhileUnknownChangesNothing() {
        var election = Self.election()
        #expect(election.databaseLost() == .none)
        #expect(election.tick(now: start) == .renew)
    }

    @Test func shuttingDownWithoutTheLeaseResignsNothing() {
        var election = Self.election()
        #expect(election.shutdown() == .none)
    }

    // MARK: Leading

    @Test func aLeaderRenewsOncePerPeriod() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "me", term: 1), at: start)
        #expect(election.tick(now: start + .milliseconds(100)) == .keep)
        #expect(election.tick(now: start + .milliseconds(200)) == .renew)
        #expect(election.renewed(.init(holder: "me", term: 1), at: start + .milliseconds(200)) == .none)
    }

    @Test func aLeaderWhoseRenewalRanOutStopsActing() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "me", term: 1), at: start)
        #expect(election.isLeading(at: start + .milliseconds(9_999)))
        #expect(!election.isLeading(at: start + .seconds(10)), "the lease may have passed to another controller")
        #expect(election.tick(now: start + .seconds(10)) == .renew)
    }

    @Test func aLeaderThatWasTakenOverStandsBy() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "me", term: 1), at: start)
        let later = start + .seconds(11)
        #expect(election.renewed(.init(holder: "other", term: 2), at: later) == .standingBy(leader: "other", term: 2))
        #expect(!election.isLeading(at: later))
    }

    @Test func aLeaderThatLosesTheDatabaseStopsLeadingUntilRenewed() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "me", term: 1), at: start)
        #expect(election.databaseLost() == .standingBy(leader: "unknown", term: 0))
        #expect(!election.isLeading(at: start))
        #expect(election.tick(now: start) == .renew)
        #expect(election.renewed(.init(holder: "me", term: 1), at: start) == .startedLeading(term: 1))
    }

    @Test func aLeaderResignsOnShutdown() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "me", term: 1), at: start)
        #expect(election.shutdown() == .resign)
        #expect(!election.isLeading(at: start))
        #expect(election.shutdown() == .none, "only once")
    }

    // MARK: Standing by

    @Test func aStandbyAsksAgainEachPeriodAndReportsOnlyChanges() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "other", term: 2), at: start)
        #expect(election.tick(now: start + .milliseconds(100)) == .keep)
        #expect(election.tick(now: start + .milliseconds(200)) == .renew)
        #expect(election.renewed(.init(holder: "other", term: 2), at: start + .milliseconds(200)) == .none)
        #expect(
            election.renewed(.init(holder: "third", term: 3), at: start + .milliseconds(400))
                == .standingBy(leader: "third", term: 3))
    }

    @Test func aStandbyTakesOverWhenTheLeaseIsFree() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "other", term: 2), at: start)
        #expect(election.renewed(.init(holder: "me", term: 3), at: start + .seconds(10)) == .startedLeading(term: 3))
        #expect(election.isLeading(at: start + .seconds(10)))
    }

    @Test func aStandbyThatLosesTheDatabaseReportsNothing() {
        var election = Self.election()
        _ = election.renewed(.init(holder: "other", term: 2), at: start)
        #expect(election.databaseLost() == .none)
        #expect(election.shutdown() == .none)
    }

    @Test func theRenewalPeriodIsAtMostHalfTheLease() {
        let election = LeaderElection(candidate: "me", leaseDuration: .milliseconds(100), renewEvery: .seconds(1))
        #expect(election.renewEvery == .milliseconds(50))
    }
}
