/// How many blocks a worker may hold for each engine its pipelines call, when they call more than one.
///
/// A worker holds its slots plus about a second of work (`WorkerLeases`), and no more than its engines run at once
/// (`limitSlots(to:)`). That bounds the total, not each engine: with a slow engine of `concurrency: 1` beside a fast
/// one, claims in the queue's order could fill the worker with the slow engine's blocks, each waiting at its gate
/// behind the others with its `blockTimeout` running, while the fast engine's slots idle. So each gated engine
/// (one whose requests a gate holds to its `concurrency`) is a lane: it may hold its `concurrency` plus about a
/// second of its own work (its own finishing rate, at least its `concurrency`, within the prefetch cap), and a claim
/// takes no more for it than that leaves. A lane's block then waits about a second, or one of its engine's block
/// times when that is longer, before a place frees. Engines without a gate (`pseudo`, `mode: batch`) have no lane;
/// the worker's own target bounds them.
///
/// A value type in the style of postgres-nio's state machines: the worker feeds it the engines' limits and its
/// counts, and it answers how much room each lane has; nothing here does I/O or reads a clock.
public struct EngineLanes: Sendable {
    /// Each gated engine's `concurrency`, by engine name.
    public private(set) var limits: [String: Int] = [:]
    /// How many engines the running pipelines call, gated or not.
    public private(set) var engineCount = 0
    /// The most blocks any lane may hold beyond its limit.
    public let prefetchCap: Int
    private var rates: [String: PrefetchRate] = [:]
    /// A lane's rate is measured over windows of a second: its engine may finish a block a second or less, and over
    /// the worker's quarter-second windows each finish read as four.
    static let rateWindow = Duration.seconds(1)

    public init(prefetchCap: Int) {
        self.prefetchCap = prefetchCap
    }

    /// The running pipelines' engines changed (a new revision): `limits` are the gated engines' `concurrency`,
    /// `engineCount` counts every engine the pipelines call. Lanes whose engine stays keep their measured rate.
    public mutating func setEngines(limits: [String: Int], engineCount: Int) {
        self.limits = limits
        self.engineCount = engineCount
        rates = rates.filter { limits[$0.key] != nil }
    }

    /// Whether lanes bound the claims: only when the pipelines call more than one engine and one of them is gated.
    /// With a single engine, the worker's own target is that engine's lane.
    public var isActive: Bool { engineCount > 1 && !limits.isEmpty }

    /// How many more blocks each lane may take now, by engine: its limit plus its prefetch, less what the worker
    /// holds for it and has not finished (`held`). `finished` is each engine's running total of finished blocks,
    /// which measures its rate. Empty when lanes are not active.
    public mutating func rooms(held: [String: Int], finished: [String: Int], now: ContinuousClock.Instant)
        -> [String: Int]
    {
        guard isActive else { return [:] }
        var rooms: [String: Int] = [:]
        for (engine, limit) in limits {
            var rate = rates[engine] ?? PrefetchRate(window: Self.rateWindow)
            rate.update(finished: finished[engine] ?? 0, now: now)
            rates[engine] = rate
            let prefetch = min(prefetchCap, max(limit, Int(rate.perSecond)))
            rooms[engine] = max(0, limit + prefetch - (held[engine] ?? 0))
        }
        return rooms
    }
}
