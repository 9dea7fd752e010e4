/// A pipeline's throughput and ETA from successive readings of its final-block count, as the leading controller
/// maintains it (so nothing is counted per request): blocks per second over the readings of the last minute.
///
/// Readings are keyed by when the controller counted, not when the page asked, so two pages reading the same
/// counts add nothing. A count that goes down (a retry takes failed blocks back) starts the window again.
struct ThroughputWindow: Sendable, Hashable {
    struct Reading: Sendable, Hashable {
        var at: Double
        var final: Int
    }

    /// Seconds of readings the rate is measured over.
    var span: Double = 60
    private(set) var readings: [Reading] = []

    mutating func record(final: Int, at: Double) {
        if let last = readings.last {
            if at <= last.at {
                if at == last.at { readings[readings.count - 1].final = final }
                return
            }
            if final < last.final { readings.removeAll() }
        }
        readings.append(Reading(at: at, final: final))
        // Keep one reading older than the span, so the window always covers the whole span once it can.
        while readings.count > 2, readings[1].at <= at - span { readings.removeFirst() }
    }

    /// Final blocks per second, or nil until two readings are at least a second apart.
    var rate: Double? {
        guard let first = readings.first, let last = readings.last, last.at - first.at >= 1 else { return nil }
        return Double(last.final - first.final) / (last.at - first.at)
    }

    /// Seconds until `remaining` blocks are final at the current rate; nil when there is no rate, or it is zero.
    func secondsLeft(remaining: Int) -> Double? {
        guard remaining > 0 else { return 0 }
        guard let rate, rate > 0 else { return nil }
        return Double(remaining) / rate
    }
}

/// The windows of every pipeline the console has shown, by environment and pipeline.
actor ThroughputBook {
    private var windows: [String: ThroughputWindow] = [:]

    /// Records a reading and answers the window after it.
    func record(environment: String, pipeline: String, final: Int, at: Double) -> ThroughputWindow {
        let key = environment + "\u{0}" + pipeline
        var window = windows[key] ?? ThroughputWindow()
        window.record(final: final, at: at)
        windows[key] = window
        return window
    }
}
