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

    /// A small first step: workers waiting for work get the first blocks after a short statement; the shares stay
    /// proportional, and the rest goes in the usual steps.
    @Test func aSmallFirstStepTakesEachPipelinesShareAndTheRestFollows() {
        let quotas = ["a": 15_000, "b": 5_000, "c": 3]
        let steps = ScheduleSteps.split(quotas, maxPerStep: 2_000, firstStep: 250)
        #expect(steps.first == ["a": 187, "b": 62])
        #expect(steps.dropFirst().allSatisfy { $0.values.reduce(0, +) <= 2_000 + quotas.count })
        #expect(steps.count == 1 + 10)
        var sums: [String: Int] = [:]
        for step in steps { sums.merge(step, uniquingKeysWith: +) }
        #expect(sums == quotas)
        // Without it, or when it is no smaller than a step or than the whole quota, the steps are even.
        #expect(
            ScheduleSteps.split(quotas, maxPerStep: 2_000, firstStep: 2_000)
                == ScheduleSteps.split(quotas, maxPerStep: 2_000))
        #expect(ScheduleSteps.split(["a": 200], maxPerStep: 2_000, firstStep: 250) == [["a": 200]])
        #expect(
            ScheduleSteps.split(["a": 3, "b": 1], maxPerStep: 2_000, firstStep: 2) == [["a": 1], ["a": 2, "b": 1]])
    }
}
