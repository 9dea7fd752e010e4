import Foundation
import Testing
import TraduApp
import TraduTestSupport

/// Checks the files under deploy/: every JSON and YAML file is well-formed, every metric the Grafana dashboard
/// and the Prometheus alert rules use is one tradu exports (`MetricNames.all`), the alerts exist, and the
/// compose file has its services. Nothing here runs docker.
@Suite struct DeployFilesTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DeployTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the package
    static let deploy = root.appendingPathComponent("deploy")
    static let dashboard = deploy.appendingPathComponent("grafana/dashboards/tradu.json")
    static let alerts = deploy.appendingPathComponent("prometheus/alerts.yml")
    static let compose = deploy.appendingPathComponent("docker-compose.yml")

    /// Every file under deploy/ whose name ends with one of `extensions`, sorted.
    static func files(endingWith extensions: [String]) throws -> [URL] {
        let enumerator = try #require(
            FileManager.default.enumerator(at: deploy, includingPropertiesForKeys: [.isRegularFileKey]))
        var found: [URL] = []
        for case let url as URL in enumerator where extensions.contains(url.pathExtension) {
            found.append(url)
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Runs `python3 -c SCRIPT ARGS...`; returns its exit status, standard output and standard error. Waits on a
    /// thread of its own, not one of the cooperative pool's two (see the README's Development section).
    static func python(_ script: String, _ arguments: [String]) async throws -> (
        status: Int32, out: String, err: String
    ) {
        try await onOwnThread { try pythonBlocking(script, arguments) }
    }

    private static func pythonBlocking(_ script: String, _ arguments: [String]) throws -> (
        status: Int32, out: String, err: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errData, as: UTF8.self)
        )
    }

    /// Fails with a clear message when python3 or PyYAML is missing, rather than a parse error per file.
    static func requirePyYAML() async throws {
        let probe = try await python("import yaml", [])
        try #require(
            probe.status == 0,
            "python3 with PyYAML is needed to check deploy/*.yml (apt-get install python3-yaml): \(probe.err)")
    }

    /// A YAML file as JSON (through PyYAML's safe_load), for the checks that read its structure.
    static func yamlAsJSON(_ url: URL) async throws -> Any {
        try await requirePyYAML()
        let result = try await python(
            "import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)",
            [url.path])
        try #require(result.status == 0, "\(url.lastPathComponent) is not valid YAML: \(result.err)")
        return try JSONSerialization.jsonObject(with: Data(result.out.utf8), options: [.fragmentsAllowed])
    }

    /// Every string value under the key `key`, at any depth.
    static func strings(forKey key: String, in value: Any) -> [String] {
        if let object = value as? [String: Any] {
            var found: [String] = []
            for (name, child) in object {
                if name == key, let text = child as? String { found.append(text) }
                found += strings(forKey: key, in: child)
            }
            return found
        }
        if let array = value as? [Any] {
            return array.flatMap { strings(forKey: key, in: $0) }
        }
        return []
    }

    /// The tradu metric names an expression uses, with the histogram suffixes removed.
    static func metricNames(in expression: String) throws -> Set<String> {
        let regex = try NSRegularExpression(pattern: "tradu_[a-z_]+")
        let range = NSRange(expression.startIndex..., in: expression)
        var names: Set<String> = []
        for match in regex.matches(in: expression, range: range) {
            guard let matched = Range(match.range, in: expression) else { continue }
            var name = String(expression[matched])
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                name.removeLast(suffix.count)
                break
            }
            names.insert(name)
        }
        return names
    }

    @Test func everyJSONFileParses() throws {
        let files = try Self.files(endingWith: ["json"])
        #expect(files.contains(Self.dashboard))
        for file in files {
            let data = try Data(contentsOf: file)
            #expect(throws: Never.self, "\(file.path) is not valid JSON") {
                _ = try JSONSerialization.jsonObject(with: data)
            }
        }
    }

    @Test func everyYAMLFileParses() async throws {
        let files = try Self.files(endingWith: ["yml", "yaml"])
        #expect(files.count >= 7)
        try await Self.requirePyYAML()
        for file in files {
            let result = try await Self.python(
                // Kubernetes files may hold several documents.
                "import yaml,sys; list(yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')))", [file.path])
            #expect(result.status == 0, "\(file.path) is not valid YAML: \(result.err)")
        }
    }

    @Test func dashboardUsesOnlyExportedMetrics() throws {
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard))
        let expressions = Self.strings(forKey: "expr", in: dashboard)
        #expect(expressions.count >= 20)
        var used: Set<String> = []
        for expression in expressions {
            used.formUnion(try Self.metricNames(in: expression))
        }
        let known = Set(MetricNames.all)
        #expect(
            used.subtracting(known).isEmpty, "unknown metrics in the dashboard: \(used.subtracting(known).sorted())")
        // The panels the dashboard promises are there.
        for metric in [
            MetricNames.blocksCompleted, MetricNames.documentsCompleted, MetricNames.blocksByState,
            MetricNames.queuedToClaimed, MetricNames.processing, MetricNames.endToEnd, MetricNames.attemptsFailed,
            MetricNames.retries, MetricNames.deadLettered, MetricNames.engineLatency, MetricNames.engineTokens,
            MetricNames.memoryHits, MetricNames.memoryMisses, MetricNames.heartbeats, MetricNames.instancesDead,
            MetricNames.leader, MetricNames.databaseUp,
        ] {
            #expect(used.contains(metric), "the dashboard does not show \(metric)")
        }
        #expect(
            expressions.contains { $0.contains("{app=\"tradu\"} | json | level=~\"warning|error") },
            "no Loki panel for tradu's warnings and errors")
    }

    @Test func dashboardHasDatasourceVariablesAndSchemaVersion() throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.dashboard))
        let dashboard = try #require(object as? [String: Any])
        let schemaVersion = try #require(dashboard["schemaVersion"] as? Int)
        #expect(schemaVersion >= 36)
        let templating = try #require(dashboard["templating"] as? [String: Any])
        let variables = try #require(templating["list"] as? [[String: Any]])
        let datasources = variables.filter { $0["type"] as? String == "datasource" }.compactMap {
            $0["query"] as? String
        }
        #expect(Set(datasources) == ["prometheus", "loki"])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == panels.count, "panel ids must be unique")
    }

    @Test func alertRulesUseOnlyExportedMetricsAndNameEveryAlert() async throws {
        let rules = try await Self.yamlAsJSON(Self.alerts)
        let document = try #require(rules as? [String: Any])
        let groups = try #require(document["groups"] as? [[String: Any]])
        let alerts = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        var byName: [String: [String: Any]] = [:]
        for alert in alerts {
            let name = try #require(alert["alert"] as? String)
            byName[name] = alert
        }
        let known = Set(MetricNames.all)
        for alert in alerts {
            let name = alert["alert"] as? String ?? "?"
            let expression = try #require(alert["expr"] as? String, "alert \(name) has no expr")
            let unknown = try Self.metricNames(in: expression).subtracting(known)
            #expect(unknown.isEmpty, "alert \(name) uses unknown metrics \(unknown.sorted())")
            let labels = alert["labels"] as? [String: Any] ?? [:]
            #expect(["critical", "warning", "info"].contains(labels["severity"] as? String), "alert \(name) severity")
            let annotations = alert["annotations"] as? [String: Any] ?? [:]
            #expect(annotations["summary"] is String, "alert \(name) has no summary")
            let description = annotations["description"] as? String ?? ""
            #expect(description.contains("$labels"), "alert \(name)'s description should name its labels")
        }
        let expected: [String: String] = [
            "NoProgress": MetricNames.blocksCompleted, "HighErrorRatio": MetricNames.attemptsFailed,
            "DeadInstances": MetricNames.instancesDead, "DeadLetteredBlocks": MetricNames.deadLettered,
            "DatabaseUnreachable": MetricNames.databaseUp, "NoLeader": MetricNames.leader,
        ]
        for (name, metric) in expected.sorted(by: { $0.key < $1.key }) {
            let alert = try #require(byName[name], "alert \(name) is missing")
            let expression = alert["expr"] as? String ?? ""
            #expect(expression.contains(metric), "alert \(name) should watch \(metric)")
        }
    }

    @Test func prometheusLoadsTheRules() async throws {
        let config = try await Self.yamlAsJSON(Self.deploy.appendingPathComponent("prometheus/prometheus.yml"))
        let document = try #require(config as? [String: Any])
        let ruleFiles = try #require(document["rule_files"] as? [String])
        #expect(ruleFiles.contains { $0.hasSuffix("alerts.yml") })
        let jobs = (document["scrape_configs"] as? [[String: Any]] ?? []).compactMap { $0["job_name"] as? String }
        #expect(jobs.contains("tradu-controller"))
        #expect(jobs.contains("tradu-worker"))
    }

    @Test func composeHasItsServices() async throws {
        let compose = try await Self.yamlAsJSON(Self.compose)
        let document = try #require(compose as? [String: Any])
        let services = try #require(document["services"] as? [String: Any])
        for name in ["postgres", "controller", "worker", "prometheus", "loki", "grafana"] {
            #expect(services[name] != nil, "docker-compose.yml has no service \(name)")
        }
        let text = try String(contentsOf: Self.compose, encoding: .utf8)
        #expect(!text.contains("sk-"), "docker-compose.yml must not hold an API key")
        #expect(text.contains("OPENAI_API_KEY"))
    }

    /// The alert rules pass their unit tests under a real Prometheus rule engine (`promtool test rules`, from
    /// Debian's `prometheus` package, which `.ci/run` installs): every alert has a case where it fires and one
    /// where it stays silent, including a first worker death on a counter that starts at 0.
    @Test func alertRulesPassPromtoolTests() async throws {
        let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        guard let promtool = candidates.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            Issue.record("promtool not found: install Debian's prometheus package (.ci/run does)")
            return
        }
        let (status, text) = try await KubernetesTests.run(
            promtool, ["test", "rules", Self.deploy.appendingPathComponent("prometheus/alerts.test.yml").path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("SUCCESS"), "\(text)")
        // Every alert has a case where it fires and one where it stays silent.
        let rules = try await Self.yamlAsJSON(Self.deploy.appendingPathComponent("prometheus/alerts.yml"))
        let alerts = Set(Self.strings(forKey: "alert", in: rules))
        let suite = try await Self.yamlAsJSON(Self.deploy.appendingPathComponent("prometheus/alerts.test.yml"))
        var firing = Set<String>()
        var silent = Set<String>()
        for test in (suite as? [String: Any])?["tests"] as? [[String: Any]] ?? [] {
            for check in test["alert_rule_test"] as? [[String: Any]] ?? [] {
                guard let name = check["alertname"] as? String else { continue }
                if let expected = check["exp_alerts"] as? [Any], !expected.isEmpty {
                    firing.insert(name)
                } else {
                    silent.insert(name)
                }
            }
        }
        #expect(alerts.count >= 8)
        #expect(alerts.subtracting(firing).isEmpty, "alerts never shown firing: \(alerts.subtracting(firing).sorted())")
        #expect(alerts.subtracting(silent).isEmpty, "alerts never shown silent: \(alerts.subtracting(silent).sorted())")
    }
}
