import Foundation
import Synchronization
import Testing
import TraduApp
import TraduCore
import TraduHTTP
import TraduTestSupport

/// Logs, metrics and health of real processes.
@Suite(.serialized) struct ObservabilityTests {
    static func get(_ url: String) async -> HTTPResponse? {
        try? await HTTPClient().send(HTTPRequest(url: url, timeout: .seconds(5)))
    }

    @Test func metricsMoveDuringARunAndHealthEndpointsAnswer() async throws {
        // `--watch` outlives the blocks, so the probes below never race the run's end: without it the run once
        // finished (and took its endpoints with it) while a starved test task was between its scrape and its probe.
        let project = try await TestProject.runtime(documents: 20, maxRecords: 1, sleep: 0.5)
        let run = try TraduProcess(["up", "-e", "dev", "--watch", "--metrics-addr", "127.0.0.1:0"], in: project)
        let base = try await run.opsBaseURL()
        var scraped = ""
        // A wait, not a speed check: on a loaded CI machine the first completion came after the default minute.
        let explain = { "last scrape:\n\(scraped.suffix(1500))\nrun:\n\(run.logDigest)" }
        try await eventually("completions are counted on /metrics", upTo: .seconds(180), explain: explain) {
            guard let response = await Self.get(base + "/metrics") else { return false }
            scraped = response.bodyText
            // The series exists from the worker's start, at 0 (CounterSeries); wait for it to rise.
            return Self.value(of: "tradu_blocks_completed_total", in: scraped) > 0
        }
        #expect(scraped.contains(#"tradu_blocks_dead_lettered_total{env="dev",pipeline="translate"} 0"#))
        #expect(scraped.contains("tradu_stage_processing_seconds_bucket{"))
        #expect(scraped.contains("tradu_documents_planned_total{dataset=\"docs\"}"))
        // Waits, not single probes: one request may time out on a loaded machine; a process gone never answers.
        var health: HTTPResponse?
        try await eventually("alive while the run goes on") {
            health = await Self.get(base + "/healthz")
            return health?.status == 200
        }
        #expect(health?.bodyText == #"{"status":"ok"}"#)
        // Readiness is probed once a second: the first probe may predate the leader election.
        var ready: HTTPResponse?
        try await eventually("ready while the run goes on") {
            ready = await Self.get(base + "/readyz")
            return ready?.status == 200
        }
        #expect(ready?.bodyText.contains("\"database\":{\"status\":\"ok\"") == true)
        // Counters only grow, up to every block.
        let first = Self.value(of: "tradu_blocks_completed_total", in: scraped)
        var later = first
        try await eventually("every block counted", upTo: .seconds(180), explain: explain) {
            guard let text = await Self.get(base + "/metrics")?.bodyText else { return false }
            let value = Self.value(of: "tradu_blocks_completed_total", in: text)
            #expect(value >= later, "a counter went down: \(later) then \(value)")
            later = value
            return value == 20
        }
        // Every block is final; with `--watch` the process stays (without it, it would be gone within the second).
        try await Task.sleep(for: .seconds(1))
        try await eventually("up --watch outlives its blocks") { await Self.get(base + "/healthz")?.status == 200 }
        run.terminate()
        #expect(await run.wait(upTo: .seconds(120)) == 0, "\(run.log.suffix(2000))")
        #expect(try await project.counts() == ["completed": 20])
    }

    @Test func readyzFollowsTheDatabase() async throws {
        let server = TestPostgres()
        let url = try await server.freshDatabase()
        var project = try await TestProject.runtime(documents: 1)
        project = TestProject(root: project.root, databaseURL: url)
        try await project.apply()
        let worker = try TraduProcess(["worker", "-e", "dev", "--metrics-addr", "127.0.0.1:0"], in: project)
        let readyz = try await worker.opsBaseURL() + "/readyz"
        try await eventually("ready") { await Self.get(readyz)?.status == 200 }
        try await server.stop(mode: .fast)
        var last = "no answer"
        do {
            try await eventually("unready while the database is down") {
                guard let response = await Self.get(readyz) else { return false }
                last = "\(response.status): \(response.bodyText)"
                return response.status == 503
                    && response.bodyText.contains("\"database\":{\"status\":\"failing\"")
            }
        } catch {
            Issue.record("last /readyz answer: \(last)\n\(worker.logDigest)")
            throw error
        }
        _ = try await server.embedded.up()
        try await eventually("ready again") { await Self.get(readyz)?.status == 200 }
        worker.terminate()
        #expect(await worker.wait() == 0, "\(worker.log.suffix(2000))")
        try await server.stop()
    }

    /// Processes may start before their database (a fleet restarting, a failover): they wait for it, unready,
    /// and start working once it is reachable.
    @Test func aWorkerStartedBeforeItsDatabaseWaitsForIt() async throws {
        let server = TestPostgres()
        let url = try await server.freshDatabase()
        var project = try await TestProject.runtime(documents: 3, maxRecords: 1)
        project = TestProject(root: project.root, databaseURL: url)
        try await project.apply()
        try await server.stop(mode: .fast)
        let worker = try TraduProcess(["worker", "-e", "dev", "--metrics-addr", "127.0.0.1:0"], in: project)
        let readyz = try await worker.opsBaseURL() + "/readyz"
        try await eventually("the worker waits for its database") {
            worker.log.contains("database unavailable at startup; retrying")
        }
        #expect(await Self.get(readyz)?.status == 503)
        _ = try await server.embedded.up()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        try await eventually("ready once the database is back") { await Self.get(readyz)?.status == 200 }
        try await eventually("the waiting worker does the work") { try await project.counts() == ["completed": 3] }
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0)
        try await server.stop()
    }

    @Test func logLinesAreJSONWithContextAndNeverTheAPIKey() async throws {
        let secret = "sk-test-\(UUID().uuidString)"
        let server = try TestHTTPServer { request in
            TestHTTPResponse(status: 500, text: "down (auth was \(request.header("Authorization") ?? "none"))")
        }
        defer { server.stop() }
        let project = try await TestProject.runtime(
            documents: 1, maxRecords: 1,
            engine: "{type: openai, model: m, endpoint: \"\(server.url("/v1"))\", apiKeyFrom: {env: TEST_OPENAI_KEY}}",
            maxAttempts: 2)
        let up = try TraduProcess(["up", "-e", "dev"], in: project, environment: ["TEST_OPENAI_KEY": secret])
        #expect(await up.wait(upTo: .seconds(120)) == 4)
        let lines = up.log.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count > 5)
        var failures = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["ts"] is String && object["level"] is String && object["msg"] is String)
            #expect(object["request_id"] is String)
            #expect((object["ts"] as? String)?.hasSuffix("Z") == true)
            if object["msg"] as? String == "block transition", object["from"] as? String == "in_process" {
                failures += 1
                for key in [
                    "block_id", "data_id", "pipeline", "attempt", "from", "to", "reason", "error_class", "error",
                    "instance_id", "env", "request_id", "duration_ms",
                ] {
                    #expect(object[key] != nil, "missing \(key) in \(line)")
                }
                #expect(object["data_id"] as? String == "docs")
            }
            #expect(
                object["level"] as? String != "debug", "the default level (info) writes no debug line: \(line)")
        }
        #expect(failures == 2)
        #expect(!up.log.contains(secret), "the API key leaked into the logs")
        let rows = try await project.query(
            "SELECT (SELECT string_agg(errors::text, '') FROM blocks) || (SELECT string_agg(coalesce(error, ''), '') FROM block_events) || (SELECT string_agg(manifests::text, '') FROM revisions) AS everything"
        )
        #expect(rows[0]["everything"]!!.contains("TEST_OPENAI_KEY"), "the reference is stored")
        #expect(!rows[0]["everything"]!!.contains(secret), "the API key leaked into the database")
    }

    /// Every block's path, rebuilt from the `block transition` lines of the processes that moved it (apply and the
    /// runtime in `tradu up`, then an operator's retry and cancel), equals `tradu trace`: states, attempts,
    /// instances, reasons and error classes, in order.
    @Test func everyBlocksPathRebuiltFromTheLogsEqualsTheTrace() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-logs-\(UUID())").path
        FileManager.default.createFile(atPath: marker, contents: nil)
        // The engine fails while the marker exists (retried), and for good on documents 1, 10 and 11 (a NUL in the
        // answer is a data error, not retried).
        let project = try await TestProject.runtime(
            documents: 12, maxRecords: 2, maxAttempts: 6,
            extraArguments: ["--fail-marker", marker, "--nul-for", "Document 1"],
            initialBackoff: "200ms", maxBackoff: "500ms")
        // The marker goes once an attempt has failed under it and been scheduled again (a fixed delay raced the
        // run's start on a loaded machine, and then nothing was retried).
        let removal = Task {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let retried = try? await project.query(
                    "SELECT 1 FROM block_events WHERE reason = 'retry scheduled' LIMIT 1")
                if retried?.isEmpty == false { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try FileManager.default.removeItem(atPath: marker)
        }
        // The runner's own `run` passes `--log-level error`; these commands log at debug.
        func tradu(_ arguments: [String]) async throws -> CommandLineTests.Run {
            try await CommandLineTests.execute(
                CommandLineTests.binary,
                arguments + ["--database-url", project.databaseURL, "--log-format", "json", "--log-level", "debug"],
                in: project.root, environment: ProcessInfo.processInfo.environment)
        }
        let up = try await tradu(["up", "-e", "dev"])
        try await removal.value
        #expect(up.status == 4, "some blocks failed for good: \(up.stderr.suffix(2000))")
        let retry = try await tradu([
            "retry", "-e", "dev", "--pipeline", "translate", "--state", "failed", "-m", "engine fixed",
        ])
        #expect(retry.status == 0, "\(retry.stderr)")
        let cancel = try await tradu(["cancel", "-e", "dev", "--pipeline", "translate", "-m", "not needed"])
        #expect(cancel.status == 0, "\(cancel.stderr)")

        // A block's lines, in the order a reader puts them: by attempt, then time, then as written.
        struct Line {
            var object: [String: Any]
            var index: Int
        }
        var lines: [String: [Line]] = [:]
        var index = 0
        var requestIDs = Set<String>()
        for output in [up.stderr, retry.stderr, cancel.stderr] {
            for text in output.split(separator: "\n") where text.contains("\"block transition\"") {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                for key in ["block_id", "data_id", "pipeline", "env", "attempt", "to", "reason", "request_id"] {
                    #expect(object[key] != nil, "missing \(key) in \(text)")
                }
                #expect(object["env"] as? String == "dev" && object["data_id"] as? String == "docs", "\(text)")
                requestIDs.insert(object["request_id"] as? String ?? "")
                lines[object["block_id"] as? String ?? "", default: []].append(Line(object: object, index: index))
                index += 1
            }
        }
        #expect(requestIDs.contains { $0.hasPrefix("claim-") } && requestIDs.contains { $0.hasPrefix("commit-") })
        func step(_ from: Any?, _ to: Any?, _ attempt: Any?, _ instance: Any?, _ reason: Any?, _ errorClass: Any?)
            -> String
        {
            func text(_ value: Any?) -> String {
                switch value {
                case let string as String where !string.isEmpty: string
                case let number as Int: String(number)
                case let string as String: string.isEmpty ? "-" : string
                default: "-"
                }
            }
            return [from, to, attempt, instance, reason, errorClass].map(text).joined(separator: " | ")
        }
        let ids = try await project.query("SELECT id FROM blocks ORDER BY id").compactMap { $0["id"] ?? nil }
        #expect(ids.count >= 4)
        var failedForGood = 0
        for id in ids {
            let trace = try await CommandLineTests.run(
                ["trace", id, "-e", "dev", "-o", "json"], in: project.root, database: project.databaseURL)
            let events = try trace.stdout.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            let fromTrace = events.map {
                step($0["from"], $0["to"], $0["attempt"], $0["instance"], $0["reason"], $0["errorClass"])
            }
            let ordered = (lines[id] ?? []).sorted { a, b in
                let (attemptA, attemptB) = (
                    Int("\(a.object["attempt"] ?? 0)") ?? 0, Int("\(b.object["attempt"] ?? 0)") ?? 0
                )
                if attemptA != attemptB { return attemptA < attemptB }
                let (timeA, timeB) = (a.object["ts"] as? String ?? "", b.object["ts"] as? String ?? "")
                return timeA != timeB ? timeA < timeB : a.index < b.index
            }
            let fromLogs = ordered.map { line in
                step(
                    line.object["from"], line.object["to"], Int("\(line.object["attempt"] ?? "")"),
                    line.object["instance_id"], line.object["reason"], line.object["error_class"])
            }
            #expect(
                fromLogs == fromTrace,
                "block \(id)\nlogs:\n\(fromLogs.joined(separator: "\n"))\ntrace:\n\(fromTrace.joined(separator: "\n"))")
            #expect(fromTrace.count >= 4, "planned, scheduled, claimed, an outcome: \(fromTrace)")
            if fromTrace.contains(where: { $0.contains("failed for good") }) { failedForGood += 1 }
        }
        #expect(failedForGood >= 2, "documents 1, 10 and 11 fail their blocks")
        #expect(up.stderr.contains("retry scheduled"), "the marker made the engine fail and retry")
    }

    static func value(of metric: String, in text: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(metric + "{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    @Test func traceShowsARetriedBlockAcrossTwoWorkers() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-trace-\(UUID())").path
        FileManager.default.createFile(atPath: marker, contents: nil)
        // Backoffs of 2 s then 4 s: the test sees the block waiting after its second failure, even on a loaded
        // machine that polls slowly, before a third attempt could start.
        let project = try await TestProject.runtime(
            documents: 1, maxRecords: 1, maxAttempts: 5, extraArguments: ["--fail-marker", marker],
            initialBackoff: "2s", maxBackoff: "10s")
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let first = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        try await eventually("two failed attempts") {
            let rows = try await project.query("SELECT attempt, state FROM blocks")
            return rows.first?["attempt"]!! == "2" && rows.first?["state"]!! == "enqueued"
        }
        first.terminate()
        #expect(await first.wait() == 0)
        try FileManager.default.removeItem(atPath: marker)
        let second = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        try await eventually("completed on the second worker") { try await project.counts() == ["completed": 1] }
        let id = try await project.query("SELECT id FROM blocks")[0]["id"]!!
        let trace = try await CommandLineTests.run(
            ["trace", String(id.prefix(10)), "-e", "dev", "-o", "json"], in: project.root,
            database: project.databaseURL)
        #expect(trace.status == 0, "\(trace.stderr)")
        let events = try trace.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let path = events.map { "\($0["from"] as? String ?? "-")>\($0["to"] as? String ?? "?")" }
        #expect(
            path == [
                "->created", "created>enqueued", "enqueued>in_process", "in_process>enqueued",
                "enqueued>in_process", "in_process>enqueued", "enqueued>in_process", "in_process>completed",
            ], "\(path)")
        let workers = Set(events.compactMap { $0["instance"] as? String }.filter { $0.hasPrefix("worker-") })
        #expect(workers.count == 2, "\(workers)")
        #expect(events.compactMap { $0["errorClass"] as? String } == ["dependency", "dependency"])
        let text = try await CommandLineTests.run(
            ["trace", String(id.prefix(10)), "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(text.stdout.contains("in_process → completed"))
        second.terminate()
        controller.terminate()
        #expect(await second.wait() == 0)
        #expect(await controller.wait() == 0)
    }
}
