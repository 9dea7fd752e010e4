/// When to repeat an expensive read (full block counts over a large environment) so that it takes at most
/// about `1 / costRatio` of the time: never more often than `minimumInterval`, and never sooner than
/// `costRatio` times its own last duration. Small environments refresh at `minimumInterval`; one with
/// millions of blocks refreshes less often instead of keeping PostgreSQL busy counting.
struct CostBoundedSchedule: Sendable {
    var minimumInterval: Duration
    var costRatio = 10
    private var lastStart: ContinuousClock.Instant?
    private var lastCost: Duration = .zero

    init(minimumInterval: Duration, costRatio: Int = 10) {
        self.minimumInterval = minimumInterval
        self.costRatio = costRatio
    }

    /// The wait between two reads, given the last one's cost.
    var interval: Duration { Self.interval(minimum: minimumInterval, lastCost: lastCost, costRatio: costRatio) }

    /// The wait after work that took `lastCost`, so that it takes at most about `1 / costRatio` of the time:
    /// never less than `minimum`. Shared with the controller's early cycles (`ControllerSettings.earlyWakeGap`).
    static func interval(minimum: Duration, lastCost: Duration, costRatio: Int) -> Duration {
        max(minimum, lastCost * costRatio)
    }

    func isDue(at now: ContinuousClock.Instant = .now) -> Bool {
        guard let lastStart else { return true }
        return now - lastStart >= interval
    }

    /// Records a read that ran from `start` to `end`.
    mutating func record(start: ContinuousClock.Instant, end: ContinuousClock.Instant = .now) {
        lastStart = start
        lastCost = end - start
    }
}
