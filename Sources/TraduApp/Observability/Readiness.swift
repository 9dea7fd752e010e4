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
            var results: [Check]
            do {
                if store == nil { store = try await openStore() }
                let probe = try await store!.probe(includingLeader: role != "worker")
                results = Self.checks(probe, role: role)
                TraduMetrics.gauge(MetricNames.databaseUp, 1, [("env", environment)])
                TraduMetrics.gauge(
                    MetricNames.databaseWritable, probe.writeFailure == nil ? 1 : 0, [("env", environment)])
                // Counted too: the work loops may meet no refusal while the disk is full (PostgreSQL writes into
                // pages and WAL segments it already has), yet the dashboard must show the full disk by class.
                if let refusal = probe.writeFailure {
                    DatabaseTrouble.record(refusal, environment: environment, role: role)
                }
            } catch {
                DatabaseTrouble.record(error, environment: environment, role: role)
                results = [Check(name: "database", ok: false, detail: "\(error)")]
                TraduMetrics.gauge(MetricNames.databaseUp, 0, [("env", environment)])
            }
            update(results)
            try? await Task.sleep(for: interval)
        }
        await store?.close()
    }

    /// What a successful probe says: the database answers, the schema is current, a leader is known.
    static func checks(_ probe: StoreProbe, role: String) -> [Check] {
        var checks = [
            Check(name: "database", ok: true, detail: "reachable"),
            Check(
                name: "writes", ok: probe.writeFailure == nil,
                detail: probe.writeFailure.map { "refused (SQLSTATE \($0.sqlState ?? "?")): \($0)" } ?? "accepted"),
            Check(
                name: "migrations", ok: probe.migrationsCurrent,
                detail: "schema at version \(probe.schemaVersion), this build knows \(probe.knownVersion)"),
        ]
        if role != "worker" {
            checks.append(
                Check(
                    name: "leader", ok: probe.leader != nil,
                    detail: probe.leader.map { "leader \($0)" } ?? "no controller holds the lease"))
        }
        return checks
    }
}
