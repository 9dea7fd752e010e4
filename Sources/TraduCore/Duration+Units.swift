/// The one set of conversions between `Duration` and plain numbers. Durations stay `Duration`s from the edge
/// of the system inwards; these are for the edges: SQL parameters, C APIs, metrics and log fields.
extension Duration {
    /// Whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Whole microseconds, rounded down.
    public var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// Seconds, with the fraction.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// A manifest's duration (`500ms`, `2s`).
    public init(_ value: DurationValue) {
        self = .milliseconds(value.milliseconds)
    }
}

extension DurationValue {
    /// As a `Duration`, for the runtime.
    public var duration: Duration { Duration(self) }
}
