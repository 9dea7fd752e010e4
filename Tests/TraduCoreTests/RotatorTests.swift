import Testing

@testable import TraduCore

@Suite struct RotatorTests {
    @Test func sharesRoomByPriority() {
        let quotas = Rotator.quotas(
            [
                .init(pipeline: "high", priority: 99, waiting: 1000, inFlight: 0, cap: nil, engine: "e"),
                .init(pipeline: "low", priority: 49, waiting: 1000, inFlight: 0, cap: nil, engine: "e"),
            ], environmentCap: 150, engineBudgets: [:], tickLimit: 10_000)
        #expect(quotas["high"] == 100)
        #expect(quotas["low"] == 50)
    }

    @Test func aPipelineThatCannotUseItsShareLeavesItToOthers() {
        let quotas = Rotator.quotas(
            [
                .init(pipeline: "a", priority: 50, waiting: 10, inFlight: 0, cap: nil, engine: "e"),
                .init(pipeline: "b", priority: 50, waiting: 1000, inFlight: 0, cap: nil, engine: "e"),
            ], environmentCap: 100, engineBudgets: [:], tickLimit: 10_000)
        #expect(quotas["a"] == 10)
        #expect(quotas["b"] == 90)
    }

    @Test func respectsPipelineCapsEnvironmentCapsAndEngineBudgets() {
        let quotas = Rotator.quotas(
            [
                .init(pipeline: "a", priority: 50, waiting: 1000, inFlight: 4, cap: 5, engine: "x"),
                .init(pipeline: "b", priority: 50, waiting: 1000, inFlight: 0, cap: nil, engine: "y"),
                .init(pipeline: "c", priority: 50, waiting: 1000, inFlight: 0, cap: nil, engine: "z", suspended: true),
            ], environmentCap: 40, engineBudgets: ["y": 7], tickLimit: 10_000)
        #expect(quotas["a"] == 1)
        #expect(quotas["b"] == 7)
        #expect(quotas["c"] == nil)
    }

    @Test func nothingWhenTheEnvironmentIsFull() {
        let quotas = Rotator.quotas(
            [.init(pipeline: "a", priority: 50, waiting: 10, inFlight: 20, cap: nil, engine: "e")],
            environmentCap: 20, engineBudgets: [:], tickLimit: 100)
        #expect(quotas.isEmpty)
    }
}
