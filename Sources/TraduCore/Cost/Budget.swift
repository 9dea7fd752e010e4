/// A spending limit on a Pipeline or an Environment (`budget: {maxCost, currency}`).
public struct Budget: Sendable, Hashable {
    public var maxCost: Double
    public var currency: String

    public init(maxCost: Double, currency: String = "USD") {
        self.maxCost = maxCost
        self.currency = currency
    }

    /// The limit in millionths of the currency, the unit spend is recorded in.
    public var maxMicros: Int64 { Int64((maxCost * 1_000_000).rounded()) }

    static func decode(_ reader: SpecReader) -> Budget? {
        guard let maxCost = reader.double("maxCost") else { return nil }
        return Budget(maxCost: maxCost, currency: reader.string("currency") ?? "USD")
    }
}

/// How many new blocks a budget still lets the controller start. Pure: the controller reads spend and blocks in
/// flight, and trims the rotator's quota to this.
///
/// Spend counts every attempt, failed ones included. Blocks in flight are charged at the average cost of an
/// attempt so far; before any attempt was paid for, at most `probeWindow` blocks are let in flight, so the first
/// costs are learned on a small window. Overspend is therefore at most one window of blocks in flight: those
/// already running when spend reached the limit, or whose cost turned out above the average.
public enum BudgetGuard {
    public static func allowance(
        budget: Budget, spentMicros: Int64, attempts: Int64, inFlight: Int, probeWindow: Int
    ) -> Int {
        let limit = budget.maxMicros
        guard spentMicros < limit else { return 0 }
        guard attempts > 0, spentMicros > 0 else { return max(0, probeWindow - inFlight) }
        let average = Double(spentMicros) / Double(attempts)
        let left = Double(limit - spentMicros) - Double(inFlight) * average
        guard left > 0 else { return 0 }
        return Int(min(left / average, Double(Int32.max)))
    }
}
