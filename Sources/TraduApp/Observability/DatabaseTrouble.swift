import Logging
import TraduStore

/// Where the runtime meets the database's trouble: counted by SQLSTATE class, so on-call sees a full disk
/// (`53`) apart from a restart (`08`, `57`) on the dashboard, and the loops that met it keep going.
enum DatabaseTrouble {
    static func record(_ error: any Error, environment: String, role: String) {
        let sqlClass = (error as? StoreError)?.metricClass ?? "other"
        TraduMetrics.count(
            MetricNames.databaseErrors, 1, [("env", environment), ("role", role), ("class", sqlClass)])
    }
}
