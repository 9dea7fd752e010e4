/// The controller's fair scheduler: how many `created` blocks of each pipeline to enqueue now, within the
/// environment's cap, each pipeline's cap and each engine's rate budget, sharing free room in proportion
/// to priority (weighted water-filling: a pipeline that cannot use its share leaves it to the others).
public enum Rotator {
    public struct Demand: Sendable, Hashable {
        public var pipeline: String
        public var priority: Int
        /// Blocks in `created`, waiting to be scheduled.
        public var waiting: Int
        /// Blocks claimed, enqueued or in process.
        public var inFlight: Int
        /// The pipeline's own cap on blocks in flight.
        public var cap: Int?
        /// Blocks its engine may still start within the rate limit's window (shared budget per engine).
        public var engine: String
        public var suspended: Bool

        public init(
            pipeline: String, priority: Int, waiting: Int, inFlight: Int, cap: Int?, engine: String,
            suspended: Bool = false
        ) {
            self.pipeline = pipeline
            self.priority = priority
            self.waiting = waiting
            self.inFlight = inFlight
            self.cap = cap
            self.engine = engine
            self.suspended = suspended
        }
    }

    /// - Parameters:
    ///   - environmentCap: blocks in flight allowed across the environment; nil for no cap.
    ///   - engineBudgets: blocks each engine may still start now (rate limits); absent means unlimited.
    ///   - tickLimit: at most this many blocks in one scheduling step, whatever the caps.
    public static func quotas(
        _ demands: [Demand], environmentCap: Int?, engineBudgets: [String: Int], tickLimit: Int
    ) -> [String: Int] {
        let totalInFlight = demands.reduce(0) { $0 + $1.inFlight }
        var room = min(tickLimit, environmentCap.map { max(0, $0 - totalInFlight) } ?? tickLimit)
        var budgets = engineBudgets
        var wants: [String: Int] = [:]
        for demand in demands where !demand.suspended {
            let capRoom = demand.cap.map { max(0, $0 - demand.inFlight) } ?? Int.max
            wants[demand.pipeline] = min(demand.waiting, capRoom)
        }
        var granted: [String: Int] = [:]
        let byName = Dictionary(uniqueKeysWithValues: demands.map { ($0.pipeline, $0) })
        while room > 0 {
            let active = wants.filter { name, want in
                want > 0 && (budgets[byName[name]!.engine].map { $0 > 0 } ?? true)
            }.keys.sorted()
            guard !active.isEmpty else { break }
            let weights = active.map { Double(byName[$0]!.priority + 1) }
            let totalWeight = weights.reduce(0, +)
            var progressed = false
            var remaining = room
            for (name, weight) in zip(active, weights) {
                var share = max(1, Int((Double(room) * weight / totalWeight).rounded(.down)))
                share = min(share, wants[name]!, remaining)
                let engine = byName[name]!.engine
                if let budget = budgets[engine] { share = min(share, budget) }
                guard share > 0 else { continue }
                granted[name, default: 0] += share
                wants[name]! -= share
                remaining -= share
                if budgets[engine] != nil { budgets[engine]! -= share }
                progressed = true
                if remaining == 0 { break }
            }
            room = remaining
            if !progressed { break }
        }
        return granted
    }
}
