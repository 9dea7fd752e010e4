import TraduCore

/// The leading controller's memory between cycles: the blocks it scheduled in the last minute per engine
/// (rate limits), when status was last written, and when it last lost the database.
actor ControllerState {
    /// Why each pipeline is held this cycle (budget spent, paused), for its conditions.
    private(set) var holds: [String: PipelineConditions.Hold] = [:]

    func setHolds(_ holds: [String: PipelineConditions.Hold]) { self.holds = holds }
    private var scheduledByEngine: [String: [(at: ContinuousClock.Instant, count: Int)]] = [:]
    /// Full counts take at most about 2% of the leader's time: at least a second apart, and 50 times their own
    /// duration (every 7.5 s when counting 200,000 blocks takes 150 ms).
    private var statusSchedule = CostBoundedSchedule(minimumInterval: .seconds(1), costRatio: 50)
    private var lastOutage: ContinuousClock.Instant?

    /// A cycle failed because the database was unreachable.
    func noteOutage() { lastOutage = ContinuousClock.now }

    /// False until `silence` has passed since the last outage: heartbeats and lease renewals could not be
    /// written during it, so their age says nothing about the processes that write them.
    func mayJudgeLiveness(silence: Duration) -> Bool {
        guard let lastOutage else { return true }
        return ContinuousClock.now - lastOutage >= silence
    }

    /// Blocks each rate-limited engine may still start in the current one-minute window. A leader that just
    /// took over starts with a full window (documented limitation).
    func engineBudgets(_ resolved: ResolvedManifests) -> [String: Int] {
        let now = ContinuousClock.now
        var budgets: [String: Int] = [:]
        for engine in resolved.engines.values {
            guard let perMinute = engine.rateLimit.requestsPerMinute else { continue }
            let recent = (scheduledByEngine[engine.name] ?? []).filter { now - $0.at < .seconds(60) }
            scheduledByEngine[engine.name] = recent
            budgets[engine.name] = max(0, perMinute - recent.reduce(0) { $0 + $1.count })
        }
        return budgets
    }

    func recordScheduled(_ scheduled: [String: Int], _ resolved: ResolvedManifests) {
        let now = ContinuousClock.now
        for (pipeline, count) in scheduled where count > 0 {
            guard let engine = resolved.pipelines[pipeline]?.engine else { continue }
            scheduledByEngine[engine, default: []].append((now, count))
        }
    }

    /// Whether the watchdogs should look again: leases and heartbeats are judged in seconds, so looking every
    /// tick (200 ms) costs the database five times the work for nothing.
    func watchdogsDue(every interval: Duration) -> Bool {
        let now = ContinuousClock.now
        if let lastWatchdogs, now - lastWatchdogs < interval { return false }
        lastWatchdogs = now
        return true
    }

    private var lastWatchdogs: ContinuousClock.Instant?

    /// Status counts every block: at most once a second, and less often when counting gets expensive.
    func statusDue() -> Bool { statusSchedule.isDue() }

    func statusWritten(startedAt start: ContinuousClock.Instant) { statusSchedule.record(start: start) }
}
