import Testing
import TraduCore

@testable import TraduApp

@Suite struct CapsHoldBackTests {
    func demand(_ name: String, waiting: Int, inFlight: Int, cap: Int?, suspended: Bool = false) -> Rotator.Demand {
        Rotator.Demand(
            pipeline: name, priority: 0, waiting: waiting, inFlight: inFlight, cap: cap, engine: "e",
            suspended: suspended)
    }

    @Test func aFullPipelineCapWithBlocksWaitingHoldsBack() {
        #expect(
            Controller.capsHoldBack([demand("a", waiting: 5, inFlight: 2, cap: 2)], quotas: [:], environmentCap: nil))
        #expect(
            Controller.capsHoldBack(
                [demand("a", waiting: 5, inFlight: 1, cap: 2)], quotas: ["a": 1], environmentCap: nil))
    }

    @Test func aFullEnvironmentCapHoldsBack() {
        let demands = [demand("a", waiting: 3, inFlight: 4, cap: nil), demand("b", waiting: 0, inFlight: 4, cap: nil)]
        #expect(Controller.capsHoldBack(demands, quotas: [:], environmentCap: 8))
        #expect(
            !Controller.capsHoldBack(demands, quotas: ["a": 3], environmentCap: 20), "everything waiting was granted")
    }

    @Test func nothingWaitingOrNoCapOrSuspendedDoesNot() {
        #expect(
            !Controller.capsHoldBack([demand("a", waiting: 0, inFlight: 2, cap: 2)], quotas: [:], environmentCap: nil))
        #expect(
            !Controller.capsHoldBack(
                [demand("a", waiting: 50_000, inFlight: 0, cap: nil)], quotas: ["a": 20_000], environmentCap: nil),
            "the step limit, not a cap: the next tick takes more")
        #expect(
            !Controller.capsHoldBack(
                [demand("a", waiting: 5, inFlight: 2, cap: 2, suspended: true)], quotas: [:], environmentCap: nil))
    }
}
