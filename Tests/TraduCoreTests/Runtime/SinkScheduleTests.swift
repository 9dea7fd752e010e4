import Testing
import TraduCore

@Suite struct SinkScheduleTests {
    let one = SinkSchedule.Signal(completedAttempts: 10, cancelled: 0, generation: 1)

    @Test func aSinkIsWrittenWhenItsResultsChangedAndNotOtherwise() {
        var schedule = SinkSchedule(minimumInterval: 2)
        #expect(schedule.decide(one, now: 0) == .write, "nothing known on disk: write")
        schedule.wrote(one, startedAt: 0, seconds: 0.1)
        #expect(schedule.decide(one, now: 100) == .upToDate)
        var cancelled = one
        cancelled.cancelled = 1
        #expect(schedule.decide(cancelled, now: 100) == .write, "a cancelled block leaves the sink")
        var rolledOut = one
        rolledOut.generation = 2
        #expect(schedule.decide(rolledOut, now: 100) == .write, "a rollout made new results current")
    }

    @Test func writesAreSpacedByTheIntervalOrTenTimesTheirDuration() {
        var schedule = SinkSchedule(minimumInterval: 2)
        schedule.wrote(one, startedAt: 10, seconds: 0.05)
        var more = one
        more.completedAttempts = 11
        #expect(schedule.decide(more, now: 11) == .wait(seconds: 1))
        #expect(schedule.decide(more, now: 12) == .write)
        schedule.wrote(more, startedAt: 12, seconds: 1.5)
        more.completedAttempts = 12
        #expect(schedule.decide(more, now: 20) == .wait(seconds: 7), "a 1.5 s write waits 15 s for the next")
        #expect(schedule.decide(more, now: 27) == .write)
    }

    @Test func aControllerThatTakesOverWritesOnlyWhatIsNotThereYet() {
        let schedule = SinkSchedule(minimumInterval: 2, written: one)
        #expect(schedule.decide(one, now: 0) == .upToDate, "the signal kept beside the sink says it is current")
        var more = one
        more.completedAttempts += 1
        #expect(schedule.decide(more, now: 0) == .write)
    }
}
