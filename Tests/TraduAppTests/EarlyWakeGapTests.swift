import Testing

@testable import TraduApp

/// How soon finished blocks may wake the controller while a cap holds blocks back.
@Suite struct EarlyWakeGapTests {
    let settings = ControllerSettings(tick: .milliseconds(200), minimumGap: .milliseconds(20))

    @Test func aCheapCycleWaitsTheMinimumGap() {
        #expect(settings.earlyWakeGap(cycleCost: .zero) == .milliseconds(20))
        #expect(settings.earlyWakeGap(cycleCost: .milliseconds(2)) == .milliseconds(20))
    }

    @Test func aCostlyCycleWaitsInProportionToItsCost() {
        // A cycle of 22 ms (counting a capped pipeline's blocks in flight at 200,000 blocks) next starts 110 ms
        // after it began: about a fifth of the controller's time, where 20 ms gaps made it more than half.
        #expect(settings.earlyWakeGap(cycleCost: .milliseconds(22)) == .milliseconds(110))
    }

    @Test func noCycleWaitsLongerThanATick() {
        #expect(settings.earlyWakeGap(cycleCost: .milliseconds(100)) == .milliseconds(200))
        #expect(settings.earlyWakeGap(cycleCost: .seconds(3)) == .milliseconds(200))
    }
}
