import Foundation
import Testing
import TraduApp
import TraduTestSupport

/// The alert rules under a real Prometheus (Debian's `prometheus`, installed by `.ci/run`) scraping a real
/// controller and two workers every second: a SIGKILLed worker fires `DeadInstances`, and the surviving worker's
/// completed counter's `increase()` counts every block it completed, because every series starts at 0.
@Suite(.serialized) struct PrometheusAlertTests {
    static let binary = "/usr/bin/prometheus"

    @Test func aKilledWorkerFiresDeadInstancesAndIncreaseCountsEveryBlock() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            Issue.record("prometheus not found: install Debian's prometheus package (.ci/run does)")
            return
        }
        let project = try await TestProject.runtime(documents: 12, maxRecords: 1, sleep: 2)
        try await project.apply()
        // Four distinct free ports: held together while their numbers are read, released for the processes.
        var held = [try RefusingPort(), try RefusingPort(), try RefusingPort(), try RefusingPort()]
        let (controllerPort, firstPort, secondPort, prometheusPort) = (
            held[0].port, held[1].port, held[2].port, held[3].port
        )
        held.removeAll()
        let config = """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            rule_files: ["\(RepositoryPaths.root)/deploy/prometheus/alerts.yml"]
            scrape_configs:
              - job_name: tradu-controller
                static_configs: [{targets: ["127.0.0.1:\(controllerPort)"]}]
              - job_name: tradu-worker
                static_configs: [{targets: ["127.0.0.1:\(firstPort)", "127.0.0.1:\(secondPort)"]}]
            """
        try config.write(toFile: project.root + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: Self.binary)
        prometheus.arguments = [
            "--config.file=\(project.root)/prometheus.yml", "--storage.tsdb.path=\(project.root)/prometheus-data",
            "--web.listen-address=127.0.0.1:\(prometheusPort)",
        ]
        let devNull = FileHandle(forWritingAtPath: "/dev/null")
        prometheus.standardOutput = devNull
        prometheus.standardError = devNull
        try prometheus.run()
        defer { kill(prometheus.processIdentifier, SIGKILL) }
        let api = "http://127.0.0.1:\(prometheusPort)"
        try await eventually("Prometheus is ready") { await ObservabilityTests.get(api + "/-/ready")?.status == 200 }
        // Its discovery hands targets to the scrapers up to 5 s after start: wait for them, so the first scrape of
        // each process comes within a second of its start, before any block completes or any instance dies.
        try await eventually("Prometheus knows its three targets") {
            let targets = await ObservabilityTests.get(api + "/api/v1/targets")?.bodyText ?? ""
            return [controllerPort, firstPort, secondPort].allSatisfy { targets.contains("127.0.0.1:\($0)/metrics") }
        }

        // Prometheus scrapes from the processes' first second: their counters are already there, at 0.
        let controller = try TraduProcess(
            ["controller", "-e", "dev", "--metrics-addr", "127.0.0.1:\(controllerPort)"], in: project)
        defer { controller.kill9() }
        let first = try TraduProcess(
            ["worker", "-e", "dev", "--concurrency", "2", "--metrics-addr", "127.0.0.1:\(firstPort)"], in: project)
        let second = try TraduProcess(
            ["worker", "-e", "dev", "--concurrency", "2", "--metrics-addr", "127.0.0.1:\(secondPort)"], in: project)
        defer { second.kill9() }
        try await eventually("the first worker completes a block") {
            let rows = try await project.query("SELECT count(*) AS n FROM results WHERE instance_id LIKE 'worker-%'")
            return Int(rows.first?["n"].flatMap { $0 } ?? "0") ?? 0 > 0
        }
        first.kill9()
        var alerts = ""
        do {
            try await eventually("DeadInstances fires in Prometheus", upTo: .seconds(90)) {
                alerts = await ObservabilityTests.get(api + "/api/v1/alerts")?.bodyText ?? ""
                return alerts.contains("\"alertname\":\"DeadInstances\"") && alerts.contains("\"state\":\"firing\"")
            }
        } catch {
            let series =
                await ObservabilityTests.get(
                    api
                        + "/api/v1/query?query=count_over_time(up%7Bjob%3D%22tradu-controller%22%7D%5B10m%5D)%20or%20count_over_time(tradu_instances_marked_dead_total%5B10m%5D)%20or%20count_over_time(tradu_controller_leader%5B10m%5D)"
                )?.bodyText ?? ""
            Issue.record("alerts: \(alerts)\nseries: \(series)")
            throw error
        }
        try await eventually("every block completes on the surviving worker", upTo: .seconds(90)) {
            try await project.counts() == ["completed": 12]
        }
        try await Task.sleep(for: .seconds(3))  // a few more scrapes of the final values
        // The surviving worker's completions: every one was scraped (a killed process's last increments may not
        // have been, which no metric can help).
        let log = second.log
        let idRange = try #require(log.range(of: #""instance_id":"worker-[^"]+""#, options: .regularExpression))
        let instance = String(log[idRange].dropFirst(#""instance_id":""#.count).dropLast())
        let rows = try await project.query("SELECT count(*) AS n FROM results WHERE instance_id = '\(instance)'")
        let completed = Double(rows.first?["n"].flatMap { $0 } ?? "") ?? -1
        #expect(completed > 0)
        let query = "sum(increase(tradu_blocks_completed_total{env=\"dev\",instance=\"127.0.0.1:\(secondPort)\"}[10m]))"
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let body = await ObservabilityTests.get(api + "/api/v1/query?query=" + encoded)?.bodyText ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let result = ((json?["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first
        let value = Double((result?["value"] as? [Any])?.last as? String ?? "") ?? -1
        // Extrapolation only adds (the series starts at 0), by less than a block over a run this long; a series
        // born at its first increment would lose that increment and read below the count.
        #expect(value >= completed && value < completed + 1, "increase \(value), completed \(completed): \(body)")
    }
}
