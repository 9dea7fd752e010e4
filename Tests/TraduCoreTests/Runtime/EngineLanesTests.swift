import Testing
import TraduCore

/// `EngineLanes`: each gated engine's room, fed directly; no I/O, no clock.
@Suite struct EngineLanesTests {
    let start = ContinuousClock.now

    @Test func oneEngineHasNoLane() {
        var lanes = EngineLanes(prefetchCap: 64)
        lanes.setEngines(limits: ["llm": 2], engineCount: 1)
        #expect(!lanes.isActive)
        #expect(lanes.rooms(held: ["llm": 100], finished: [:], now: start).isEmpty, "the worker's target bounds it")
        // Two engines, neither gated (pseudo, batch): no lane either.
        lanes.setEngines(limits: [:], engineCount: 2)
        #expect(!lanes.isActive)
    }

    @Test func aGatedEngineBesideAnotherHoldsItsLimitAndAsManyReady() {
        var lanes = EngineLanes(prefetchCap: 64)
        lanes.setEngines(limits: ["slow": 1, "fast": 8], engineCount: 3)
        #expect(lanes.isActive)
        // No rate measured yet: a lane holds its limit plus as many ready (at least its limit).
        #expect(lanes.rooms(held: [:], finished: [:], now: start) == ["slow": 2, "fast": 16])
        #expect(lanes.rooms(held: ["slow": 2, "fast": 5], finished: [:], now: start) == ["slow": 0, "fast": 11])
        // More held than its room (a lower limit applied since): no room, never negative.
        #expect(lanes.rooms(held: ["slow": 9], finished: [:], now: start)["slow"] == 0)
    }

    @Test func aFastLaneReadiesAboutASecondOfItsOwnWorkWithinTheCap() {
        var lanes = EngineLanes(prefetchCap: 64)
        lanes.setEngines(limits: ["slow": 1, "fast": 4], engineCount: 2)
        _ = lanes.rooms(held: [:], finished: [:], now: start)
        // Rates are measured over a second: a quarter second in, none yet, so each lane readies its limit.
        #expect(
            lanes.rooms(held: [:], finished: ["fast": 40, "slow": 1], now: start + .milliseconds(250)) == [
                "fast": 4 + 4, "slow": 1 + 1,
            ])
        // 160 blocks of `fast` finished in the second: 160 a second, capped at 64 ready; `slow` finished 3, 3 ready.
        let rooms = lanes.rooms(held: [:], finished: ["fast": 160, "slow": 3], now: start + .seconds(1))
        #expect(rooms == ["fast": 4 + 64, "slow": 1 + 3])
        // A new revision that keeps `fast` keeps its rate; a new engine starts from its limit.
        lanes.setEngines(limits: ["fast": 4, "other": 2], engineCount: 2)
        #expect(
            lanes.rooms(held: [:], finished: ["fast": 160], now: start + .milliseconds(1_050)) == [
                "fast": 68, "other": 4,
            ])
    }
}
