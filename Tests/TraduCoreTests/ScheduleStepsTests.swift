import Testing
import TraduCore

/// `ScheduleSteps`: a cycle's quotas cut into committed steps without changing what is scheduled.
@Suite struct ScheduleStepsTests {
    @Test func stepsSumToTheQuotasAndStayNearTheirSize() {
        let quotas = ["a": 20_000, "b": 5_001, "c": 3, "idle": 0]
        let steps = ScheduleSteps.split(quotas, maxPerStep: 2_000)
        #expect(steps.count == 13)
        var sums: [String: Int] = [:]
        for step in steps {
            #expect(!step.isEmpty)
            #expect(step.values.reduce(0, +) <= 2_000 + quotas.count)
            #expect(step["idle"] == nil)
            sums.merge(step, uniquingKeysWith: +)
        }
        #expect(sums == ["a": 20_000, "b": 5_001, "c": 3])
        // Each pipeline's share is spread evenly: no step gets more than one block above another.
        let shares = steps.map { $0["a", default: 0] }
        #expect(shares.max()! - shares.min()! <= 1)
    }

    @Test func smallQuotasTakeOneStepAndNothingTakesNone() {
        #expect(ScheduleSteps.split(["a": 7, "b": 2], maxPerStep: 2_000) == [["a": 7, "b": 2]])
        #expect(ScheduleSteps.split(["a": 0], maxPerStep: 2_000).isEmpty)
        #expect(ScheduleSteps.split([:], maxPerStep: 2_000).isEmpty)
        #expect(ScheduleSteps.split(["a": 3], maxPerStep: 0) == [["a": 1], ["a": 1], ["a": 1]])
    }
}
