import TraduCore

/// Counters created at 0 for every label set a process already knows, so each series exists before its first
/// event. Prometheus sees a series rise only from a sample it has already scraped: a counter born at its first
/// increment reads 1 in its first sample, and `increase()` / `rate()` miss that event (a `DeadInstances` alert on
/// `increase(tradu_instances_marked_dead_total[10m])` never fired after a first worker death).
enum CounterSeries {
    /// What any runtime process counts about its environment.
    static func declareProcess(environment: String, role: String) {
        declare(MetricNames.heartbeats, [("env", environment), ("role", role)])
        declare(MetricNames.instanceRejoins, [("env", environment), ("role", role)])
    }

    /// What a worker counts, for every pipeline of the applied manifests.
    static func declareWorker(environment: String, pipelines: some Sequence<String>) {
        declare(MetricNames.leasesLost, [("env", environment)])
        for pipeline in pipelines {
            let labels = [("env", environment), ("pipeline", pipeline)]
            for name in [
                MetricNames.blocksCompleted, MetricNames.documentsCompleted, MetricNames.deadLettered,
                MetricNames.retries,
            ] {
                declare(name, labels)
            }
            for errorClass in ErrorClass.allCases {
                declare(MetricNames.attemptsFailed, labels + [("class", errorClass.rawValue)])
            }
        }
    }

    /// What a controller counts.
    static func declareController(environment: String) {
        declare(MetricNames.instancesDead, [("env", environment)])
    }

    private static func declare(_ name: String, _ dimensions: [(String, String)]) {
        TraduMetrics.declareCounter(name, dimensions)
    }
}
