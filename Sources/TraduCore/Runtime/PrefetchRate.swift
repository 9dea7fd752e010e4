/// How many blocks a worker finishes per second, smoothed over windows of `window`: sizes its prefetch.
public struct PrefetchRate: Sendable, Hashable {
    public var window: Duration
    private var windowStart: ContinuousClock.Instant?
    private var finishedAtWindowStart = 0
    /// Blocks finished per second, smoothed (0 until the first window closed).
    public private(set) var perSecond = 0.0

    public init(window: Duration = .milliseconds(250)) {
        self.window = window
    }

    /// Folds `finished` (a running total) into the rate once a window has passed since the last update; returns
    /// whether it did (a window closed).
    @discardableResult
    public mutating func update(finished: Int, now: ContinuousClock.Instant) -> Bool {
        guard let start = windowStart else {
            windowStart = now
            finishedAtWindowStart = finished
            return false
        }
        let elapsed = now - start
        guard elapsed >= window else { return false }
        let current = Double(finished - finishedAtWindowStart) / elapsed.seconds
        perSecond = perSecond == 0 ? current : 0.7 * perSecond + 0.3 * current
        windowStart = now
        finishedAtWindowStart = finished
        return true
    }
}
