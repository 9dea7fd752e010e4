import Foundation
import Testing
import TraduTestSupport

/// `deploy/kubernetes/`: each overlay renders with `kubectl kustomize` (no cluster needed) and its core kinds pass
/// `kubernetes-validate --strict` (PyPI; `.ci/run` installs it); the rendered objects hold what a rolling update
/// and queue-depth autoscaling need; the PrometheusRule holds the same rules as `deploy/prometheus/alerts.yml`.
@Suite struct KubernetesTests {
    static let kubernetes = DeployFilesTests.deploy.appendingPathComponent("kubernetes")
    static let environments = ["staging", "prod"]

    static var kubectl: String? {
        ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first(where: FileManager.default.isExecutableFile(atPath:))
    }

    static var validator: String? {
        if let path = ProcessInfo.processInfo.environment["TRADU_KUBERNETES_VALIDATE"], !path.isEmpty { return path }
        let venv = DeployFilesTests.root.appendingPathComponent(".build-venv/bin/kubernetes-validate").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// Runs `executable` and waits on a thread of its own; returns its exit status and its output and errors.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, out: String) {
        try await onOwnThread { try runBlocking(executable, arguments) }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String]) throws -> (status: Int32, out: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The overlay rendered by kubectl, as JSON objects (one per document).
    static func rendered(_ environment: String) async throws -> [[String: Any]]? {
        guard let kubectl else {
            // .ci/run says so loudly; only this step is skipped, and only where it allowed it.
            try #require(
                ProcessInfo.processInfo.environment["TRADU_ALLOW_NO_KUBECTL"] == "1",
                "kubectl is not installed: the overlays cannot be rendered")
            return nil
        }
        let path = kubernetes.appendingPathComponent("overlays/\(environment)").path
        let (status, text) = try await run(kubectl, ["kustomize", path])
        try #require(status == 0, "kubectl kustomize \(path): \(text)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-k8s-\(environment).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let (ok, out, err) = try await DeployFilesTests.python(
            "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))",
            [file.path])
        try #require(ok == 0, "\(err)")
        return try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]])
    }

    static func object(_ objects: [[String: Any]], kind: String, name: String) throws -> [String: Any] {
        try #require(
            objects.first {
                $0["kind"] as? String == kind && ($0["metadata"] as? [String: Any])?["name"] as? String == name
            },
            "no \(kind) \(name)")
    }

    @Test func everyOverlayRendersAndItsCoreKindsValidate() async throws {
        let validator = try #require(
            Self.validator, "kubernetes-validate is not installed: pip install kubernetes-validate (.ci/run does)")
        for environment in Self.environments {
            guard try await Self.rendered(environment) != nil, let kubectl = Self.kubectl else { continue }
            let path = Self.kubernetes.appendingPathComponent("overlays/\(environment)").path
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-k8s-\(environment).yaml")
            try await Self.run(kubectl, ["kustomize", path]).out.write(to: file, atomically: true, encoding: .utf8)
            let (status, out) = try await Self.run(validator, ["--strict", file.path])
            #expect(status == 0, "\(environment): \(out)")
            for kind in [
                "namespace", "deployment/tradu-worker", "deployment/tradu-controller",
                "poddisruptionbudget/tradu-worker",
                "job/tradu-migrate", "cronjob/tradu-prune", "networkpolicy/tradu",
            ] {
                #expect(out.contains("passed for resource \(kind)"), "\(environment): \(kind) not validated\n\(out)")
            }
        }
    }

    /// KEDA's and the Prometheus Operator's kinds, which `kubernetes-validate` does not know, validate against the
    /// schemas in `deploy/kubernetes/schemas/`; and those schemas refuse broken objects, so the check can fail.
    @Test func theCustomResourcesValidateAgainstTheirSchemas() async throws {
        let schemas = Self.kubernetes.appendingPathComponent("schemas").path
        for environment in Self.environments {
            guard let objects = try await Self.rendered(environment) else { continue }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-crs-\(environment).json")
            try JSONSerialization.data(withJSONObject: objects).write(to: file)
            let (status, out, err) = try await DeployFilesTests.python(
                """
                import copy, glob, json, sys, jsonschema
                schemas = {}
                for path in glob.glob(sys.argv[2] + "/*.json"):
                    schema = json.load(open(path))
                    schemas[(schema["properties"]["apiVersion"]["const"], schema["properties"]["kind"]["const"])] = schema
                def errors(obj):
                    return [e.message for e in jsonschema.Draft202012Validator(schemas[(obj["apiVersion"], obj["kind"])]).iter_errors(obj)]
                objects = json.load(open(sys.argv[1]))
                report = {"validated": [], "errors": {}, "mutants": {}}
                for obj in objects:
                    if (obj.get("apiVersion"), obj.get("kind")) in schemas:
                        name = obj["kind"] + "/" + obj["metadata"]["name"]
                        report["validated"].append(name)
                        found = errors(obj)
                        if found: report["errors"][name] = found
                scaled = next(o for o in objects if o["kind"] == "ScaledObject")
                rule = next(o for o in objects if o["kind"] == "PrometheusRule")
                monitor = next(o for o in objects if o["kind"] == "ServiceMonitor")
                def mutant(name, base, change):
                    obj = copy.deepcopy(base); change(obj); report["mutants"][name] = len(errors(obj)) > 0
                mutant("misspelt trigger field", scaled, lambda o: o["spec"]["triggers"][0].update(metdata={}))
                mutant("replicas as a string", scaled, lambda o: o["spec"].update(maxReplicaCount="fifty"))
                mutant("postgresql trigger without its query", scaled, lambda o: o["spec"]["triggers"][0]["metadata"].pop("query"))
                mutant("unknown scale-down policy", scaled, lambda o: o["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]["policies"][0].update(type="Replicas"))
                mutant("rule without expr", rule, lambda o: o["spec"]["groups"][0]["rules"][0].pop("expr"))
                mutant("bad for duration", rule, lambda o: o["spec"]["groups"][0]["rules"][0].update({"for": "10 minutes"}))
                mutant("monitor without endpoints", monitor, lambda o: o["spec"].pop("endpoints"))
                print(json.dumps(report))
                """, [file.path, schemas])
            try #require(status == 0, "\(err)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            let validated = Set(report["validated"] as? [String] ?? [])
            #expect(
                validated == [
                    "ScaledObject/tradu-worker", "TriggerAuthentication/tradu-postgres", "ServiceMonitor/tradu",
                    "PrometheusRule/tradu",
                ], "\(environment)")
            #expect((report["errors"] as? [String: Any])?.isEmpty == true, "\(environment): \(report["errors"] ?? "")")
            for (mutant, refused) in report["mutants"] as? [String: Bool] ?? [:] {
                #expect(refused, "\(environment): the schema accepted a \(mutant)")
            }
            #expect((report["mutants"] as? [String: Bool])?.count == 7)
        }
    }

    @Test func theWorkersRollAndScaleWithoutLosingWork() async throws {
        for environment in Self.environments {
            guard let objects = try await Self.rendered(environment) else { continue }
            let namespace = "tradu-\(environment)"
            #expect(
                objects.contains {
                    $0["kind"] as? String == "Namespace"
                        && ($0["metadata"] as? [String: Any])?["name"] as? String == namespace
                })
            let worker = try Self.object(objects, kind: "Deployment", name: "tradu-worker")
            let spec = try #require(worker["spec"] as? [String: Any])
            let strategy = try #require((spec["strategy"] as? [String: Any])?["rollingUpdate"] as? [String: Any])
            #expect(strategy["maxUnavailable"] as? Int == 0)
            let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
            let container = try #require((pod["containers"] as? [[String: Any]])?.first)
            let arguments = try #require(container["args"] as? [String])
            let grace = try #require(arguments.firstIndex(of: "--shutdown-grace").map { arguments[$0 + 1] })
            let drainSeconds = try #require(Int(grace.dropLast()))
            let preStop =
                (((container["lifecycle"] as? [String: Any])?["preStop"] as? [String: Any])?["sleep"]
                as? [String: Any])?["seconds"] as? Int ?? 0
            let termination = try #require(pod["terminationGracePeriodSeconds"] as? Int)
            #expect(preStop > 0 && termination > drainSeconds + preStop, "the drain must end before the kill")
            #expect(
                ((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String
                    == "/healthz")
            #expect(
                ((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String
                    == "/readyz")
            let resources = try #require(container["resources"] as? [String: Any])
            #expect(resources["requests"] != nil && resources["limits"] != nil)
            // Secrets by reference only: no literal value for a URL, key or password.
            for env in container["env"] as? [[String: Any]] ?? [] {
                #expect(env["value"] == nil, "\(env) holds a value")
            }
            let controller = try Self.object(objects, kind: "Deployment", name: "tradu-controller")
            #expect((controller["spec"] as? [String: Any])?["replicas"] as? Int == 2)
            _ = try Self.object(objects, kind: "PodDisruptionBudget", name: "tradu-worker")
            _ = try Self.object(objects, kind: "CronJob", name: "tradu-prune")
            _ = try Self.object(objects, kind: "ServiceMonitor", name: "tradu")
            // KEDA: the postgresql trigger reads this environment's maintained counts.
            let scaled = try Self.object(objects, kind: "ScaledObject", name: "tradu-worker")
            let scaledSpec = try #require(scaled["spec"] as? [String: Any])
            #expect((scaledSpec["scaleTargetRef"] as? [String: Any])?["name"] as? String == "tradu-worker")
            let trigger = try #require((scaledSpec["triggers"] as? [[String: Any]])?.first)
            #expect(trigger["type"] as? String == "postgresql")
            let query = try #require((trigger["metadata"] as? [String: Any])?["query"] as? String)
            #expect(query.contains("FROM tradu_\(environment).pipeline_status"), "\(query)")
            #expect(!query.lowercased().contains("from blocks"), "never a count over blocks")
            let auth = try #require((trigger["authenticationRef"] as? [String: Any])?["name"] as? String)
            _ = try Self.object(objects, kind: "TriggerAuthentication", name: auth)
        }
    }

    @Test func thePrometheusRuleHoldsTheTestedAlertRules() async throws {
        let (status, out, err) = try await DeployFilesTests.python(
            """
            import sys, yaml
            rule = yaml.safe_load(open(sys.argv[1]))
            alerts = yaml.safe_load(open(sys.argv[2]))
            print("same" if rule["spec"]["groups"] == alerts["groups"] else "different")
            """,
            [
                Self.kubernetes.appendingPathComponent("base/prometheusrule.yaml").path,
                DeployFilesTests.alerts.path,
            ])
        #expect(status == 0, "\(err)")
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "same")
    }
}
