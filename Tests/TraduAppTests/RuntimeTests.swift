import Foundation
import Synchronization
import Testing
import TraduApp
import TraduCore
import TraduStore
import TraduTestSupport

/// The running system with real processes: workers and controllers started as `tradu` executables,
/// killed, restarted and signalled, against the test PostgreSQL. `.serialized`: these tests start many
/// processes on a 2-core machine.
@Suite(.serialized) struct RuntimeTests {
    @Test func upRunsEveryBlockToCompletionWithOneResultEach() async throws {
        let project = try await TestProject.runtime(documents: 30)
        let run = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Run finished:"))
        let counts = try await project.counts()
        #expect(counts["completed"] ?? 0 > 0)
        #expect(counts.keys.sorted() == ["completed"])
        let results = try await project.query(
            "SELECT count(*) AS n, count(DISTINCT block_id) AS d FROM results")
        #expect(results[0]["n"]! == results[0]["d"]!)
        #expect(results[0]["n"]! == String(counts["completed"]!))
        let translated = try await project.query("SELECT records FROM results LIMIT 1")
        #expect(translated[0]["records"]!!.contains("\"translation\":\"[fr] Document"))
        // The status the run leaves behind (what the API and the console show) holds its final counts.
        let status = try await project.query("SELECT counts::text AS counts FROM pipeline_status")
        #expect(status.first?["counts"]!! == "{\"completed\": \(counts["completed"]!)}", "\(status)")
    }

    /// A claim whose reply never reached its worker (the connection broke after the commit, as when PostgreSQL
    /// crashes or restarts) leased blocks the worker does not know of: the worker finds them within a heartbeat and
    /// gives them back uncharged, so that with one attempt allowed they still complete rather than lapse and fail
    /// (seen in a local run of the full-disk test: two blocks failed "lease expired" after PostgreSQL restarted).
    @Test func blocksLeasedByAClaimWhoseReplyWasLostAreGivenBackUncharged() async throws {
        let project = try await TestProject.runtime(documents: 40, maxRecords: 1, sleep: 0.2, maxAttempts: 1)
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        var workerID: String?
        try await eventually("the worker holds a block") {
            workerID =
                try await project.query(
                    "SELECT lease_owner FROM blocks WHERE state = 'in_process' LIMIT 1"
                ).first?["lease_owner"] ?? nil
            return workerID != nil
        }
        // The lost reply: a claim in the worker's name that the worker never sees.
        let store = try await project.store()
        let lost = try await store.claim(
            instanceID: try #require(workerID), limit: 3, leaseDuration: .seconds(5))
        await store.close()
        #expect(lost.count == 3)
        let logs = { "controller:\n\(controller.logDigest)\nworker:\n\(worker.logDigest)" }
        try await eventually("every block completes", upTo: .seconds(90), explain: logs) {
            try await project.counts() == ["completed": 40]
        }
        let ids = lost.map { "'\($0.id)'" }.joined(separator: ",")
        let released = try await project.query(
            "SELECT block_id, attempt FROM block_events WHERE reason = 'claim reply lost' AND block_id IN (\(ids))")
        #expect(released.count == 3, "each lost block was given back once: \(released)")
        let lapsed = try await project.query("SELECT count(*) AS n FROM block_events WHERE reason = 'lease expired'")
        #expect(lapsed.first?["n"]!! == "0", "no lease lapsed: \(logs())")
        #expect(worker.log.contains("released blocks a claim leased without its reply arriving"))
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0)
        #expect(await controller.wait() == 0)
    }

    @Test func aWorkerKilledMidBlockLosesNothing() async throws {
        let project = try await TestProject.runtime(documents: 3, maxRecords: 100, sleep: 12)
        #expect(try await project.apply().1 != nil)
        let controller = try TraduProcess(["controller", "-e", "dev", "--metrics-addr", "127.0.0.1:0"], in: project)
        let first = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        // Who holds it, read in the same look that sees it held (two queries could straddle a transition).
        var held: String?
        var seen: [String] = []
        let logs = {
            "blocks seen: \(seen.suffix(5))\ncontroller:\n\(controller.logDigest)\nworker:\n\(first.logDigest)"
        }
        try await eventually("the first worker holds the block", explain: logs) {
            let rows = try await project.query(
                "SELECT state, attempt, lease_owner, coalesce(last_error, '') AS error FROM blocks")
            let now = rows.map {
                "\($0["state"] ?? nil ?? "?")/\($0["attempt"] ?? nil ?? "?") \($0["error"] ?? nil ?? "")"
            }
            .joined(separator: "; ")
            if seen.last != now { seen.append(now) }
            held = rows.first { $0["state"] == "in_process" }?["lease_owner"] ?? nil
            return held != nil
        }
        let holder = try #require(held)
        first.kill9()
        let second = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        try await eventually("the block completes on the second worker", upTo: .seconds(90)) {
            try await project.counts()["completed"] == 1
        }
        let rows = try await project.query("SELECT instance_id, attempt FROM results")
        #expect(rows.count == 1, "exactly one result row")
        #expect(rows.first?["instance_id"]!! != holder)
        #expect(rows.first?["attempt"]!! == "2", "the second claim of the block committed it")
        let dead = try await project.query("SELECT state FROM instances WHERE id = '\(holder)'")
        #expect(dead.first?["state"]!! == "dead")
        // What on-call sees: the death and the block taken back, counted on the controller's /metrics.
        let metrics = await ObservabilityTests.get(try await controller.opsBaseURL() + "/metrics")?.bodyText ?? ""
        #expect(ObservabilityTests.value(of: "tradu_instances_marked_dead_total", in: metrics) == 1, "\(metrics)")
        #expect(ObservabilityTests.value(of: "tradu_blocks_recovered_total", in: metrics) >= 1)
        // And in the controller's log, at the default level: the block's transition, with the dead worker named.
        let recovery = try #require(
            controller.log.split(separator: "\n").first {
                $0.contains("\"block transition\"") && $0.contains("\"reason\":\"instance dead\"")
            }, "\(controller.logDigest)")
        let line = try #require(try JSONSerialization.jsonObject(with: Data(recovery.utf8)) as? [String: Any])
        #expect(line["from"] as? String == "in_process" && line["to"] as? String == "enqueued", "\(line)")
        #expect(line["error_class"] as? String == "infrastructure" && line["level"] as? String == "info")
        #expect((line["error"] as? String)?.contains(holder) == true, "\(line)")
        second.terminate()
        controller.terminate()
        #expect(await second.wait() == 0, "\(second.log)")
        #expect(await controller.wait() == 0, "\(controller.log)")
    }

    /// A worker that was only cut off and declared dead is not a dead worker: it stops the work that was
    /// taken from it, rejoins as live and goes on; the block taken back completes once, on a later attempt.
    @Test func aWorkerDeclaredDeadWhileAliveRejoinsAndLosesNothing() async throws {
        let project = try await TestProject.runtime(documents: 3, maxRecords: 1, sleep: 5)
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        let logs = { "worker: \(worker.logDigest)\ncontroller: \(controller.logDigest)" }
        try await eventually("the worker holds a block", upTo: .seconds(90), explain: logs) {
            try await project.counts()["in_process"] == 1
        }
        let held = try await project.query("SELECT id, lease_owner FROM blocks WHERE state = 'in_process'")[0]
        let holder = held["lease_owner"]!!
        // What a controller does to a worker silent for 3 heartbeats, done here at once (mark it dead, take its
        // block back) so the worker cannot commit the block first; the controller's own sweep may take it first.
        // A heartbeat landing between the two steps rejoins the worker as live and the sweep finds nothing to
        // take: the pair is repeated until the block has been taken back.
        let store = try await project.store()
        var takenBack: [[String: String?]] = []
        try await eventually("the block is taken back from its declared-dead worker", upTo: .seconds(20)) {
            try await project.query("UPDATE instances SET state = 'dead', ended_at = now() WHERE id = '\(holder)'")
            _ = try await store.sweepDeadInstances(silentFor: .seconds(3600))
            takenBack = try await project.query(
                "SELECT attempt FROM block_events WHERE block_id = '\(held["id"]!!)' AND reason = 'instance dead'")
            return !takenBack.isEmpty
        }
        await store.close()
        #expect(takenBack.map { $0["attempt"]!! } == ["1"], "taken back once, from its first attempt")
        try await eventually("every block completes", upTo: .seconds(90)) {
            try await project.counts() == ["completed": 3]
        }
        let result = try await project.query(
            "SELECT attempt, instance_id FROM results WHERE block_id = '\(held["id"]!!)'")
        #expect(result.count == 1)
        #expect(result.first?["attempt"]!! == "2", "the attempt taken back never committed")
        let state = try await project.query("SELECT state FROM instances WHERE id = '\(holder)'")
        #expect(state.first?["state"]!! == "live")
        #expect(worker.log.contains("rejoined as live"), "\(worker.logDigest)")
        let duplicates = try await project.query("SELECT count(*) - count(DISTINCT block_id) AS d FROM results")
        #expect(duplicates[0]["d"]!! == "0")
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0)
    }

    @Test func sigtermDrainsAndExitsZero() async throws {
        let project = try await TestProject.runtime(documents: 6, maxRecords: 1, sleep: 1)
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let worker = try TraduProcess(
            ["worker", "-e", "dev", "--concurrency", "2", "--shutdown-grace", "10s"], in: project)
        try await eventually("blocks are in process") { try await project.counts()["in_process"] ?? 0 > 0 }
        // The drain (10 s) is longer than a block (1 s): the worker finishes what it runs and exits well before it.
        let asked = ContinuousClock.now
        worker.terminate()
        #expect(await worker.wait() == 0, "\(worker.log)")
        #expect(ContinuousClock.now - asked < .seconds(10), "the drain ended before the grace period")
        // Nothing stays leased to the stopped worker: what it finished is completed, the rest is queued again.
        let held = try await project.query("SELECT count(*) AS n FROM blocks WHERE state = 'in_process'")
        #expect(held[0]["n"]!! == "0")
        let stopped = try await project.query("SELECT state FROM instances WHERE role = 'worker'")
        #expect(stopped.first?["state"]!! == "stopped")
        // Each block it gave back has its line, at the default level, with why.
        let released = try await project.query(
            "SELECT count(*) AS n FROM block_events WHERE reason = 'worker shutting down'")[0]["n"]!!
        let lines = worker.log.split(separator: "\n").filter {
            $0.contains("\"block transition\"") && $0.contains("\"reason\":\"worker shutting down\"")
        }
        #expect(String(lines.count) == released, "\(worker.logDigest)")
        // Nothing lost, nothing done twice: another worker finishes the rest, one result per block.
        let next = try TraduProcess(["worker", "-e", "dev", "--concurrency", "2"], in: project)
        try await eventually("every block completes") { try await project.counts() == ["completed": 6] }
        next.terminate()
        #expect(await next.wait() == 0)
        let results = try await project.query("SELECT count(*) AS n, count(DISTINCT block_id) AS blocks FROM results")
        #expect(results.first?["n"] == "6" && results.first?["blocks"] == "6", "\(results)")
        controller.terminate()
        #expect(await controller.wait() == 0)
    }

    @Test func aStandbyControllerTakesOverWhenTheLeaderDies() async throws {
        let project = try await TestProject.runtime(documents: 2)
        try await project.apply()
        let first = try TraduProcess(["controller", "-e", "dev", "--leader-lease", "2s"], in: project)
        try await eventually("a leader is elected") {
            try await !project.query("SELECT holder FROM controller_lease").isEmpty
        }
        let second = try TraduProcess(["controller", "-e", "dev", "--leader-lease", "2s"], in: project)
        let leader = try await project.query("SELECT holder, term FROM controller_lease")[0]
        first.kill9()
        try await eventually("the standby leads", upTo: .seconds(30)) {
            let now = try await project.query("SELECT holder, term FROM controller_lease")[0]
            return now["holder"]!! != leader["holder"]!!
        }
        let now = try await project.query("SELECT term FROM controller_lease")[0]
        #expect(Int(now["term"]!!)! > Int(leader["term"]!!)!)
        second.terminate()
        #expect(await second.wait() == 0)
    }

    /// A pipeline's concurrency cap holds across every worker: two worker processes with 4 slots each never
    /// have more than 2 of its blocks in flight.
    @Test func aPipelineCapHoldsAcrossWorkers() async throws {
        let project = try await TestProject.runtime(
            documents: 10, maxRecords: 1, sleep: 0.4, pipelineConcurrency: 2)
        try await project.apply()
        let workers = try (0..<2).map { _ in
            try TraduProcess(["worker", "-e", "dev", "--concurrency", "4"], in: project)
        }
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        var highest = 0
        try await eventually("every block completes", upTo: .seconds(90)) {
            let counts = try await project.counts()
            highest = max(highest, (counts["claimed"] ?? 0) + (counts["enqueued"] ?? 0) + (counts["in_process"] ?? 0))
            return counts == ["completed": 10]
        }
        #expect(highest <= 2, "blocks in flight never exceed the pipeline's cap")
        #expect(highest >= 1)
        for worker in workers { worker.terminate() }
        controller.terminate()
        for worker in workers { #expect(await worker.wait() == 0) }
        #expect(await controller.wait() == 0)
    }

    @Test func failuresRetryThenDeadLetterWithTheirHistory() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-fail-\(UUID())").path
        FileManager.default.createFile(atPath: marker, contents: nil)
        let project = try await TestProject.runtime(
            documents: 1, maxRecords: 10, maxAttempts: 3, extraArguments: ["--fail-marker", marker])
        let run = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 4, "a run that ends with failed blocks exits 4: \(run.stderr)")
        let block = try await project.query("SELECT state, attempt, error_class, errors::text AS errors FROM blocks")[0]
        #expect(block["state"]!! == "failed")
        #expect(block["attempt"]!! == "3")
        #expect(block["error_class"]!! == "dependency")
        #expect(
            block["errors"]!!.components(separatedBy: "\"attempt\"").count - 1 == 3, "every attempt's error is kept")
        // Fixing the engine and retrying by hand completes it.
        try FileManager.default.removeItem(atPath: marker)
        let retry = try await CommandLineTests.run(
            ["retry", "-e", "dev", "--pipeline", "translate", "--state", "failed"], in: project.root,
            database: project.databaseURL)
        #expect(retry.stdout.contains("1 block sent back to the queue."))
        let again = try await CommandLineTests.run(
            ["run", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await project.counts() == ["completed": 1])
    }

    /// Cancelling takes the blocks back, and the worker running one learns it at its next heartbeat and stops
    /// it (the engine program is killed): nothing completes after the cancel.
    /// Results the database refuses fail their own block, named, and the run goes on: a NUL from the engine is
    /// a data error caught before the commit; a result that breaks a constraint (SQLSTATE class 23) is a data
    /// error too, with the database's message (the batch is retried outcome by outcome, so the other blocks
    /// still complete).
    @Test func resultsTheDatabaseCannotStoreFailTheirBlockOnly() async throws {
        let project = try await TestProject.runtime(
            documents: 6, maxRecords: 1, maxAttempts: 1, extraArguments: ["--nul-for", "nullbyte"])
        try project.writeDocuments(
            0..<6, edit: [2: "This text gets a nullbyte back.", 4: "This text is poison for the results table."])
        try await project.apply()
        try await project.query(
            "ALTER TABLE results ADD CONSTRAINT no_poison CHECK (records NOT LIKE '%poison%')")
        let run = try await CommandLineTests.run(["run", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 4, "\(run.stderr.suffix(2000))")
        #expect(try await project.counts() == ["completed": 4, "failed": 2])
        let failed = try await project.query(
            "SELECT error_class, last_error FROM blocks WHERE state = 'failed' ORDER BY last_error")
        #expect(failed.map { $0["error_class"]!! } == ["data", "data"])
        #expect(failed[0]["last_error"]!!.contains("document doc-2: the translation contains a NUL character"))
        #expect(failed[1]["last_error"]!!.contains("the result could not be stored"))
        #expect(failed[1]["last_error"]!!.contains("no_poison"))
    }

    @Test func cancellingAPipelineMidRunStopsItsBlocks() async throws {
        let project = try await TestProject.runtime(documents: 10, maxRecords: 1, sleep: 5)
        try await project.apply()
        let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        try await eventually("work started") { try await project.counts()["in_process"] ?? 0 > 0 }
        let cancel = try await CommandLineTests.run(
            ["cancel", "-e", "dev", "--pipeline", "translate"], in: project.root, database: project.databaseURL)
        #expect(cancel.status == 0)
        try await eventually("the worker stops the running block") {
            worker.log.contains("their processing stops and outcomes are discarded")
        }
        try await Task.sleep(for: .seconds(1))
        #expect(try await project.counts() == ["cancelled": 10])
        #expect(try await project.query("SELECT count(*) AS n FROM results")[0]["n"]!! == "0")
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0)
    }

    /// Two outages while blocks run: a fast restart, then an immediate shutdown that stays down longer than
    /// the lease, so the controller requeues blocks the worker still holds. Every block completes once.
    @Test func theRunSurvivesPostgreSQLRestarts() async throws {
        let server = TestPostgres()
        let url = try await server.freshDatabase()
        var project = try await TestProject.runtime(documents: 24, maxRecords: 1, sleep: 0.4)
        project = TestProject(root: project.root, databaseURL: url)
        let run = try TraduProcess(["up", "-e", "dev", "--concurrency", "2"], in: project)
        try await eventually("the run started") {
            (try? await project.counts()["completed"] ?? 0 > 0) ?? false
        }
        try await server.restart(mode: .fast)
        let before = try await project.counts()["completed"] ?? 0
        try await eventually("the run went on after the first restart") {
            let completed = (try? await project.counts()["completed"]) ?? nil
            return (completed ?? 0) > before
        }
        try await server.restart(mode: .immediate, downFor: .seconds(6))
        let status = await run.wait(upTo: .seconds(120))
        #expect(status == 0, "\(run.logDigest)")
        let counts = try await project.counts()
        #expect(counts == ["completed": 24], "\(run.logDigest)")
        let duplicates = try await project.query(
            "SELECT count(*) - count(DISTINCT block_id) AS d FROM results")
        #expect(duplicates[0]["d"]!! == "0")
        try await server.stop()
    }

    /// An OpenAI-compatible server on 127.0.0.1 that fails in every way an engine fails before it answers
    /// well: each failure is classified and retried, and the history is kept on the block.
    @Test func engineFailuresAreClassifiedRetriedAndRecorded() async throws {
        let calls = Mutex(0)
        let server = try TestHTTPServer { request in
            let call = calls.withLock { value -> Int in
                value += 1
                return value
            }
            func answer(_ text: String) -> TestHTTPResponse {
                let content = #"{"translations":[{"id":"doc-0","text":"\#(text)"}]}"#
                let escaped = content.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                    of: "\"", with: "\\\"")
                return .json(
                    #"{"choices":[{"message":{"role":"assistant","content":"\#(escaped)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9}}"#
                )
            }
            switch call {
            case 1: return TestHTTPResponse(status: 500, text: "upstream exploded")
            case 2: return TestHTTPResponse(status: 429, headers: [("Retry-After", "1")], text: "slow down")
            case 3: return .json("{not json")
            case 4: return answer("Le document 0, sans espace réservé.")
            default: return answer("Document 0 traduit, {user_name} inclus.")
            }
        }
        defer { server.stop() }
        let project = try await TestProject.runtime(
            documents: 1, maxRecords: 1,
            engine: "{type: openai, model: test-model, endpoint: \"\(server.url("/v1"))\", timeout: 5s}",
            maxAttempts: 6, retryOn: "[capacity, dependency, data]")
        try #"{"id":"doc-0","text":"Document 0 with {user_name} inside."}"#.appending("\n").write(
            toFile: project.manifests + "/data/docs.jsonl", atomically: true, encoding: .utf8)
        let run = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        let block = try await project.query("SELECT state, attempt, errors::text AS errors FROM blocks")[0]
        #expect(block["state"]!! == "completed")
        #expect(block["attempt"]!! == "5")
        let errors = block["errors"]!!
        for expected in ["\"dependency\"", "\"capacity\"", "\"data\""] {
            #expect(errors.contains(expected), "\(errors)")
        }
        #expect(errors.contains("lost placeholder {user_name}"), "\(errors)")
        let result = try await project.query("SELECT records, input_tokens FROM results")[0]
        #expect(result["records"]!!.contains("Document 0 traduit, {user_name} inclus."))
        #expect(result["input_tokens"]!! == "12")
        #expect(calls.withLock { $0 } == 5)
    }

    /// Every slot of a worker calls its engine at once: 24 slots and 24 one-document blocks against a model that
    /// answers after 3 s make 24 calls before the first answer (a worker's transfers were 16 at most, whatever
    /// its slots, so the other 8 blocks waited with their leases held).
    @Test func aWorkerCallsItsEngineFromEverySlotAtOnce() async throws {
        let calls = try await Self.callsBeforeTheFirstAnswer(slots: 24, engineConcurrency: 24)
        #expect(calls.first == 24, "\(calls.first) of \(calls.all) calls before the first answer")
    }

    /// An engine's `concurrency` holds a worker's requests to it: 12 slots, an engine of concurrency 3, and 3
    /// calls before the first answer; the others follow as answers come, and every block completes.
    @Test func anEnginesConcurrencyHoldsTheWorkersRequestsToIt() async throws {
        let calls = try await Self.callsBeforeTheFirstAnswer(slots: 12, engineConcurrency: 3)
        #expect(calls.first == 3, "\(calls.first) of \(calls.all) calls before the first answer")
    }

    /// A worker holds no more blocks than its engine runs at once (plus its prefetch), and the engine's gate admits
    /// a block for all its requests: 8 slots, an engine of `concurrency: 1` answering after 1 s, a `blockTimeout`
    /// of 5 s (the shortest the 5 s lease allows). Claimed all at once and served one after another, the sixth block
    /// on would pass its timeout before its turn (taken back, paid for again, and failed: one attempt); here every
    /// block completes at its first attempt.
    @Test func blocksWaitingForTheirEngineDoNotRunPastTheirTimeout() async throws {
        let (model, project) = try await Self.oneAttemptProject(modelAnsweringAfter: .seconds(1), documents: 8)
        defer { model.server.stop() }
        try await Self.runUpWithoutTimeouts(project, model, blocks: 8)
    }

    /// A slow engine beside another does not fill the worker: its lane holds its `concurrency` plus about a second of
    /// its own work. `translate` calls a model of `concurrency: 1` answering after 0.5 s, and comes first in the
    /// queue (priority 50 against 10); `bulk` runs on `pseudo`, so the worker's slots are not bounded by its engines.
    /// Without the lanes, the first claim took all 16 of `translate`'s blocks, and those waiting at the gate ran past
    /// their 5 s timeout and failed; with them, a block waits about a second at most.
    @Test func aSlowEngineBesideAnotherHoldsOnlyItsLane() async throws {
        let (model, project) = try await Self.oneAttemptProject(
            modelAnsweringAfter: .milliseconds(500), documents: 16,
            more: """
                ---
                apiVersion: tradu/v1
                kind: Engine
                metadata: {name: quick}
                spec: {type: pseudo}
                ---
                apiVersion: tradu/v1
                kind: Pipeline
                metadata: {name: bulk}
                spec: {dataset: docs, engine: quick, targetLanguages: [de], retryPolicy: quick, priority: 10}

                """)
        defer { model.server.stop() }
        try await Self.runUpWithoutTimeouts(project, model, blocks: 16)
        let bulk = try await project.query(
            "SELECT count(*) AS n FROM blocks WHERE pipeline = 'bulk' AND state = 'completed'")
        #expect(bulk.first?["n"] == "16")
    }

    /// A project of one-document blocks whose `translate` pipeline calls a `SlowModel` of `concurrency: 1`, with one
    /// attempt per block and a 5 s `blockTimeout` (the shortest its 5 s lease allows); `more` adds manifests.
    private static func oneAttemptProject(modelAnsweringAfter delay: Duration, documents: Int, more: String = "")
        async throws -> (SlowModel, TestProject)
    {
        let model = try SlowModel(answeringAfter: delay)
        do {
            let project = try await TestProject.runtime(
                documents: documents, maxRecords: 1,
                engine: "{type: openai, model: test-model, endpoint: \"\(model.server.url("/v1"))\", concurrency: 1}",
                maxAttempts: 1, blockTimeout: "5s", more: more)
            return (model, project)
        } catch {
            model.server.stop()
            throw error
        }
    }

    /// `tradu up` with 8 slots: every one of `translate`'s `blocks` completes at its first attempt (the projects
    /// allow one), none was taken back for its timeout, and the model got one call per block.
    private static func runUpWithoutTimeouts(_ project: TestProject, _ model: SlowModel, blocks: Int) async throws {
        let run = try await CommandLineTests.run(
            ["up", "-e", "dev", "--concurrency", "8"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(try await project.counts() == ["completed": blocks])
        let lapsed = try await project.query(
            "SELECT block_id, reason FROM block_events WHERE to_state <> 'completed' AND reason LIKE '%timeout%'")
        #expect(lapsed.isEmpty, "\(lapsed)")
        #expect(model.arrivals.times.withLock { $0.count } == blocks, "one call per block")
    }

    /// The engine's gate admits a block for all its requests, not request by request: two blocks of two documents,
    /// one document per request, an engine of `concurrency: 1`. The block admitted first sends both its requests
    /// before the other sends any; admitted request by request, the two blocks' requests alternated and each block
    /// took as long as both.
    @Test func theEnginesGateAdmitsABlockForAllItsRequests() async throws {
        let model = try SlowModel(answeringAfter: .milliseconds(300))
        defer { model.server.stop() }
        let project = try await TestProject.runtime(
            documents: 4, maxRecords: 2,
            engine: """
                {type: openai, model: test-model, endpoint: "\(model.server.url("/v1"))", concurrency: 1, \
                maxSegmentsPerRequest: 1}
                """)
        let run = try await CommandLineTests.run(
            ["up", "-e", "dev", "--concurrency", "2"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(try await project.counts() == ["completed": 2])
        let documents = model.arrivals.texts.withLock { $0 }.map { texts in
            texts.compactMap { text in (0..<4).first { text.contains(TestProject.text($0).prefix(12)) } }
        }
        #expect(documents.count == 4 && documents.allSatisfy { $0.count == 1 }, "\(documents)")
        let order = documents.flatMap { $0 }
        #expect(Set(order.prefix(2)) == [0, 1] || Set(order.prefix(2)) == [2, 3], "\(order)")
    }

    /// `tradu up` of as many one-document blocks as `slots`, with that many slots, against an OpenAI-compatible
    /// model that answers after 3 s: how many calls reached it before its first answer could leave, and in all.
    private static func callsBeforeTheFirstAnswer(slots: Int, engineConcurrency: Int) async throws
        -> (first: Int, all: Int)
    {
        let model = try SlowModel(answeringAfter: .seconds(3))
        defer { model.server.stop() }
        let project = try await TestProject.runtime(
            documents: slots, maxRecords: 1,
            engine:
                "{type: openai, model: test-model, endpoint: \"\(model.server.url("/v1"))\", concurrency: \(engineConcurrency)}"
        )
        let run = try await CommandLineTests.run(
            ["up", "-e", "dev", "--concurrency", String(slots)], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr.suffix(2000))")
        #expect(try await project.counts() == ["completed": slots])
        let times = model.arrivals.times.withLock { $0 }
        #expect(times.count == slots)
        let first = times.min() ?? .now
        return (times.filter { $0 < first + .seconds(3) }.count, times.count)
    }

    /// An OpenAI-compatible model that translates every segment after a delay, and when each call arrived.
    private final class SlowModel {
        final class Arrivals: Sendable {
            let times = Mutex<[ContinuousClock.Instant]>([])
            /// The texts each call asked for, in the order the calls arrived.
            let texts = Mutex<[[String]]>([])
        }

        let arrivals = Arrivals()
        let server: TestHTTPServer

        init(answeringAfter delay: Duration) throws {
            let arrivals = self.arrivals
            server = try TestHTTPServer { request in
                arrivals.times.withLock { $0.append(.now) }
                func object(_ text: String) -> [String: Any] {
                    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
                }
                func json(_ value: Any) -> String {
                    String(decoding: (try? JSONSerialization.data(withJSONObject: value)) ?? Data(), as: UTF8.self)
                }
                let messages = object(request.bodyText)["messages"] as? [[String: Any]] ?? []
                let segments =
                    object(messages.last?["content"] as? String ?? "")["segments"] as? [[String: String]] ?? []
                arrivals.texts.withLock { $0.append(segments.map { $0["text"] ?? "" }) }
                let content = json([
                    "translations": segments.map { ["id": $0["id"] ?? "", "text": "(fr) " + ($0["text"] ?? "")] }
                ])
                let completion = json([
                    "choices": [["message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
                    "usage": ["prompt_tokens": 10, "completion_tokens": 10],
                ])
                return TestHTTPResponse(
                    headers: [("Content-Type", "application/json")], text: completion, delay: delay)
            }
        }
    }

    @Test func webhooksDeliverEachBlockOnceSignedAndNeverAgainAfterARestart() async throws {
        let calls = Mutex<[TestHTTPRequest]>([])
        let server = try TestHTTPServer { request in
            let count = calls.withLock { list -> Int in
                list.append(request)
                return list.count
            }
            return TestHTTPResponse(status: count == 1 ? 503 : 200, text: "ok")
        }
        defer { server.stop() }
        let project = try await TestProject.runtime(
            documents: 8, maxRecords: 2,
            sinks: "[{type: webhook, url: \"\(server.url("/hooks"))\", signingKeyFrom: {env: HOOK_KEY}}]")
        let up = try TraduProcess(["up", "-e", "dev"], in: project, environment: ["HOOK_KEY": "s3cret"])
        #expect(await up.wait(upTo: .seconds(120)) == 0, "\(up.log.suffix(2000))")
        let blocks = try await project.counts()["completed"] ?? 0
        #expect(blocks > 0)
        let received = calls.withLock { $0 }
        #expect(received.count == blocks + 1, "one 503, then each block once")
        let keys = received.compactMap { $0.header("Idempotency-Key") }
        #expect(keys.count == received.count)
        #expect(Set(keys.dropFirst()).count == blocks)
        for request in received {
            let expected = "sha256=" + ContentHash.hmacSHA256(key: "s3cret", message: request.bodyText)
            #expect(request.header("X-Tradu-Signature") == expected)
        }
        let delivered = try await project.query("SELECT count(*) AS n FROM sink_deliveries WHERE state = 'delivered'")
        #expect(delivered[0]["n"]!! == String(blocks))
        // A second run (a restart) sends nothing again.
        let again = try TraduProcess(["run", "-e", "dev"], in: project, environment: ["HOOK_KEY": "s3cret"])
        #expect(await again.wait(upTo: .seconds(60)) == 0)
        #expect(calls.withLock { $0.count } == blocks + 1)
    }

    /// Webhooks are delivered beside the reconcile cycle: a receiver that hangs past the client's timeout (30 s)
    /// must not keep the leader from renewing its lease (2 s here), so a standby never takes over.
    @Test func aHangingWebhookReceiverNeverCostsTheLeaderItsLease() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(status: 200, text: "late", delay: .seconds(60)) }
        defer { server.stop() }
        let project = try await TestProject.runtime(
            documents: 4, maxRecords: 2, sinks: "[{type: webhook, url: \"\(server.url("/hooks"))\"}]")
        #expect(try await project.apply().1 != nil)
        let leader = try TraduProcess(["controller", "-e", "dev", "--leader-lease", "2s"], in: project)
        let worker = try TraduProcess(["worker", "-e", "dev"], in: project)
        try await eventually("a delivery hangs in the receiver") { !server.requests.isEmpty }
        let before = try await project.query("SELECT holder, term::text AS term FROM controller_lease")[0]
        let standby = try TraduProcess(["controller", "-e", "dev", "--leader-lease", "2s"], in: project)
        try await eventually("the standby is registered") {
            try await project.query("SELECT id FROM instances WHERE role = 'controller' AND state = 'live'").count == 2
        }
        // Four leases' worth of time with the delivery still hanging.
        try await Task.sleep(for: .seconds(8))
        let after = try await project.query("SELECT holder, term::text AS term FROM controller_lease")[0]
        #expect(after["holder"]!! == before["holder"]!!, "\(leader.logDigest)")
        #expect(after["term"]!! == before["term"]!!, "no takeover happened")
        #expect(!standby.log.contains("\"msg\":\"leading\""), "\(standby.logDigest)")
        server.stop()
        for process in [standby, worker, leader] { process.terminate() }
        for process in [standby, worker, leader] { #expect(await process.wait() == 0, "\(process.logDigest)") }
    }

    /// A database in trouble is not the block's fault: a result commit that meets SQLSTATE 53100 (disk full,
    /// raised here by a trigger on `results`) keeps the outcome and retries it; nothing fails (one attempt
    /// allowed), no process exits, the trouble is counted by class, and every block completes once it passes.
    @Test func aResultCommitThatMeetsAFullDiskIsKeptAndCompletesWhenItPasses() async throws {
        let project = try await TestProject.runtime(documents: 6, maxRecords: 1, maxAttempts: 1)
        try await project.apply()
        try await project.query(
            """
            CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device' USING ERRCODE = '53100';
            END $$
            """)
        try await project.query(
            "CREATE TRIGGER disk_full BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION disk_full()")
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let worker = try TraduProcess(["worker", "-e", "dev", "--metrics-addr", "127.0.0.1:0"], in: project)
        try await eventually("the worker retries a commit the database refused for lack of space") {
            worker.log.contains("database unavailable while committing outcomes")
        }
        let metrics = await ObservabilityTests.get(try await worker.opsBaseURL() + "/metrics")?.bodyText ?? ""
        #expect(metrics.contains(#"tradu_database_errors_total{"#) && metrics.contains(#"class="53""#), "\(metrics)")
        try await Task.sleep(for: .seconds(2))
        #expect(try await project.counts()["failed"] == nil, "nothing is failed for the database's trouble")
        try await project.query("DROP TRIGGER disk_full ON results")
        try await eventually("every block completes once the space is back") {
            try await project.counts() == ["completed": 6]
        }
        let results = try await project.query("SELECT count(*) AS n, count(DISTINCT block_id) AS d FROM results")
        #expect(results[0]["n"]!! == "6" && results[0]["d"]!! == "6")
        #expect(controller.process.isRunning && worker.process.isRunning, "no process exited")
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0, "\(controller.logDigest)")
    }
}
