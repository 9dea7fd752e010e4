import Testing

@testable import TraduApp

@Suite struct CostBoundedScheduleTests {
    @Test func cheapReadsRepeatAtTheMinimumIntervalAndCostlyOnesBackOff() {
        let start = ContinuousClock.now
        var schedule = CostBoundedSchedule(minimumInterval: .seconds(1))
        #expect(schedule.isDue(at: start), "the first read is due at once")
        schedule.record(start: start, end: start + .milliseconds(20))
        #expect(schedule.interval == .seconds(1))
        #expect(!schedule.isDue(at: start + .milliseconds(999)))
        #expect(schedule.isDue(at: start + .seconds(1)))
        // A read that took 450 ms waits 10 times that: counting takes a tenth of the time at most.
        schedule.record(start: start, end: start + .milliseconds(450))
        #expect(schedule.interval == .milliseconds(4_500))
        #expect(!schedule.isDue(at: start + .seconds(4)))
        #expect(schedule.isDue(at: start + .milliseconds(4_500)))
    }
}
