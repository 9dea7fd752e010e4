/// How a controller runs.
public struct ControllerSettings: Sendable {
    /// Time between reconcile cycles.
    public var tick: Duration
    /// How long the leader lease lasts without renewal; a standby takes over after it.
    public var leaderLease: Duration
    /// An instance silent this long is dead, at most: the controller uses 3 heartbeat intervals of the
    /// applied pipelines when that is shorter.
    public var deadAfter: Duration
    /// How often the watchdogs look for expired leases, dead instances and stalled blocks (more often when a
    /// pipeline's heartbeat is shorter).
    public var watchdogInterval: Duration = .seconds(1)
    /// At most this many blocks scheduled per cycle.
    public var tickLimit: Int
    /// A cycle enqueues its blocks in steps of about this many, each committed on its own (`ScheduleSteps`).
    public var scheduleStep = 2_000
    /// A cycle's first step takes at most this many, so that idle workers start after a short statement (about
    /// 7 ms for 250 blocks, against 50 ms for a full step) rather than after a whole step.
    public var firstScheduleStep = 250
    /// While a cap holds blocks back, finished blocks wake the controller early, but no sooner than this
    /// after the previous cycle started (nor sooner than `freedRoomCostRatio` times that cycle's own duration).
    public var minimumGap: Duration
    /// An early cycle waits at least this many times the previous cycle's duration, so that cycles woken by
    /// finished blocks take at most about a fifth of the controller's time. Under a cap, workers finish blocks
    /// many times a second, and each cycle counts the capped pipelines' blocks in flight, which costs more as
    /// the environment grows (dead index entries until vacuum): at 200,000 blocks with a cap of 4,000, cycles
    /// of 22 ms every 50 ms were a third of the server's time.
    public var freedRoomCostRatio = 5

    public init(
        tick: Duration = .milliseconds(200), leaderLease: Duration = .seconds(10), deadAfter: Duration = .seconds(30),
        tickLimit: Int = 20_000, minimumGap: Duration = .milliseconds(20)
    ) {
        self.tick = tick
        self.leaderLease = leaderLease
        self.deadAfter = deadAfter
        self.tickLimit = tickLimit
        self.minimumGap = minimumGap
    }

    /// How long after a cycle that took `cycleCost` the next may start when finished blocks wake it: never
    /// sooner than `minimumGap` or `freedRoomCostRatio` times the cycle's cost, never later than `tick`.
    public func earlyWakeGap(cycleCost: Duration) -> Duration {
        min(
            tick,
            CostBoundedSchedule.interval(minimum: minimumGap, lastCost: cycleCost, costRatio: freedRoomCostRatio))
    }
}
