import CoreMetrics
import Metrics
import Prometheus

/// The process's metrics: swift-metrics instruments backed by a Prometheus registry, exposed on
/// `/metrics` by `OpsServer`. Names come from `MetricNames`, the list the dashboards are checked against.
public enum TraduMetrics {
    /// The registry `/metrics` renders.
    public static let registry = PrometheusCollectorRegistry()

    /// Installs the Prometheus backend for swift-metrics. Once per process (a second bootstrap traps).
    public static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        MetricsSystem.bootstrap(factory)
    }

    static func count(_ name: String, _ value: Int = 1, _ dimensions: [(String, String)]) {
        guard value > 0 else { return }
        Counter(label: name, dimensions: dimensions).increment(by: value)
    }

    /// Creates the series at 0 (see `CounterSeries`).
    static func declareCounter(_ name: String, _ dimensions: [(String, String)]) {
        Counter(label: name, dimensions: dimensions).increment(by: 0)
    }

    static func time(_ name: String, seconds: Double, _ dimensions: [(String, String)]) {
        Timer(label: name, dimensions: dimensions).recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Records many durations in one series (one look-up of the timer for all of them).
    static func time(_ name: String, seconds: [Double], _ dimensions: [(String, String)]) {
        guard !seconds.isEmpty else { return }
        let timer = Timer(label: name, dimensions: dimensions)
        for value in seconds { timer.recordNanoseconds(Int64(max(0, value) * 1e9)) }
    }

    static func gauge(_ name: String, _ value: Double, _ dimensions: [(String, String)]) {
        Gauge(label: name, dimensions: dimensions).record(value)
    }
}
