import Foundation
import Synchronization
import TraduCore
import TraduStore

/// What `/readyz` reports: each dependency's state, refreshed by a probe loop (the HTTP handler only reads).
public final class Readiness: Sendable {
    public struct Check: Sendable, Hashable {
        public var name: String
        public var ok: Bool
        public var detail: String
    }

    private let checks = Mutex<[Check]>([Check(name: "database", ok: false, detail: "not checked yet")])

    public init() {}

    public var snapshot: [Check] { checks.withLock { $0 } }
    public var isReady: Bool { snapshot.allSatisfy(\.ok) }

    public func update(_ new: [Check]) { checks.withLock { $0 = new } }

    /// The JSON body of `/readyz`.
    public var json: JSONValue {
        let current = snapshot
        return .object([
            ("status", .string(current.allSatisfy(\.ok) ? "ready" : "unready")),
            (
                "checks",
                .object(
                    current.map {
                        (
                            $0.name,
                            .object([("status", .string($0.ok ? "ok" : "failing")), ("detail", .string($0.detail))])
                        )
                    })
            ),
        ])
    }

    /// Probes the database (a query), the migrations (current) and, for controllers, the leader lease (a
    /// leader or a standby is known) every `interval`, until `shutdown`.
    public func probe(
        environment: String, role: String, every interval: Duration = .seconds(1), shutdown: ShutdownSignal,
        openStore: @escaping Worker.StoreFactory
    ) async {
        var store: Store?
        while !shutdown.isRequested {
            var results: [Check] = []
            do {
                if store == nil { store = try await openStore() }
                let connection = store!.connection
                try await connection.reconnectIfNeeded()
                _ = try await connection.query("SELECT 1")
                results.append(Check(name: "database", ok: true, detail: "reachable"))
                let version =
                    try await connection.query("SELECT max(version) AS v FROM schema_migrations")
                    .first?["v"].flatMap { Int($0) } ?? 0
                let current = version == StoreMigrations.latestVersion
                results.append(
                    Check(
                        name: "migrations", ok: current,
                        detail: "schema at version \(version), this build knows \(StoreMigrations.latestVersion)"))
                if role != "worker" {
                    let lease = try await connection.query(
                        "SELECT holder, expires_at > now() AS valid FROM controller_lease")
                    let known = lease.first.map { $0["valid"] == "t" } ?? false
                    results.append(
                        Check(
                            name: "leader", ok: known,
                            detail: known ? "leader \(lease.first?["holder"] ?? "?")" : "no controller holds the lease")
                    )
                }
                TraduMetrics.gauge(MetricNames.databaseUp, 1, [("env", environment)])
            } catch {
                results = [Check(name: "database", ok: false, detail: "\(error)")]
                TraduMetrics.gauge(MetricNames.databaseUp, 0, [("env", environment)])
            }
            update(results)
            try? await Task.sleep(for: interval)
        }
        await store?.close()
    }
}
