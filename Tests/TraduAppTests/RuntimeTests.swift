import Foundation
import Testing
import TraduApp
import TraduStore
import TraduTestSupport

/// The running system with real processes: workers and controllers started as `tradu` executables,
/// killed, restarted and signalled, against the test PostgreSQL. `.serialized`: these tests start many
/// processes on a 2-core machine.
@Suite(.serialized) struct RuntimeTests {
    @Test func upRunsEveryBlockToCompletionWithOneResultEach() async throws {
        let project = try await TestProject.runtime(documents: 30)
        let run = try CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
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
    }

    @Test func aWorkerKilledMidBlockLosesNothing() async throws {
        let project = try await TestProject.runtime(documents: 3, maxRecords: 100, sleep: 4)
        #expect(try await project.apply().1 != nil)
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let first = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        try await eventually("the first worker holds the block") {
            try await project.counts()["in_process"] == 1
        }
        let holder = try await project.query("SELECT lease_owner FROM blocks WHERE state = 'in_process'")[0]["lease_owner"]!!
        first.kill9()
        let second = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        try await eventually("the block completes on the second worker", upTo: .seconds(90)) {
            try await project.counts()["completed"] == 1
        }
        let rows = try await project.query("SELECT instance_id, attempt FROM results")
        #expect(rows.count == 1, "exactly one result row")
        #expect(rows.first?["instance_id"]!! != holder)
        #expect(rows.first?["attempt"]!! == "2")
        let dead = try await project.query("SELECT state FROM instances WHERE id = '\(holder)'")
        #expect(dead.first?["state"]!! == "dead")
        second.terminate()
        controller.terminate()
        #expect(await second.wait() == 0, "\(second.log)")
        #expect(await controller.wait() == 0, "\(controller.log)")
    }

    @Test func sigtermDrainsAndExitsZero() async throws {
        let project = try await TestProject.runtime(documents: 6, maxRecords: 1, sleep: 1)
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let worker = try TraduProcess(
            ["worker", "-e", "dev", "--concurrency", "2", "--shutdown-grace", "10s"], in: project)
        try await eventually("blocks are in process") { try await project.counts()["in_process"] ?? 0 > 0 }
        worker.terminate()
        #expect(await worker.wait() == 0, "\(worker.log)")
        // Nothing stays leased to the stopped worker: what it finished is completed, the rest is queued again.
        let held = try await project.query("SELECT count(*) AS n FROM blocks WHERE state = 'in_process'")
        #expect(held[0]["n"]!! == "0")
        let stopped = try await project.query("SELECT state FROM instances WHERE role = 'worker'")
        #expect(stopped.first?["state"]!! == "stopped")
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

    @Test func failuresRetryThenDeadLetterWithTheirHistory() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-fail-\(UUID())").path
        FileManager.default.createFile(atPath: marker, contents: nil)
        let project = try await TestProject.runtime(
            documents: 1, maxRecords: 10, maxAttempts: 3, extraArguments: ["--fail-marker", marker])
        let run = try CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 4, "a run that ends with failed blocks exits 4: \(run.stderr)")
        let block = try await project.query("SELECT state, attempt, error_class, errors::text AS errors FROM blocks")[0]
        #expect(block["state"]!! == "failed")
        #expect(block["attempt"]!! == "3")
        #expect(block["error_class"]!! == "dependency")
        #expect(block["errors"]!!.components(separatedBy: "\"attempt\"").count - 1 == 3, "every attempt's error is kept")
        // Fixing the engine and retrying by hand completes it.
        try FileManager.default.removeItem(atPath: marker)
        let retry = try CommandLineTests.run(
            ["retry", "-e", "dev", "--pipeline", "translate", "--state", "failed"], in: project.root,
            database: project.databaseURL)
        #expect(retry.stdout.contains("1 block sent back to the queue."))
        let again = try CommandLineTests.run(["run", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try await project.counts() == ["completed": 1])
    }

    @Test func cancellingAPipelineMidRunStopsItsBlocks() async throws {
        let project = try await TestProject.runtime(documents: 10, maxRecords: 1, sleep: 1)
        try await project.apply()
        let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        try await eventually("work started") { try await project.counts()["in_process"] ?? 0 > 0 }
        let cancel = try CommandLineTests.run(
            ["cancel", "-e", "dev", "--pipeline", "translate"], in: project.root, database: project.databaseURL)
        #expect(cancel.status == 0)
        try await eventually("nothing runs any more") {
            let counts = try await project.counts()
            return (counts["in_process"] ?? 0) + (counts["enqueued"] ?? 0) + (counts["created"] ?? 0) == 0
        }
        try await Task.sleep(for: .seconds(2))
        let counts = try await project.counts()
        #expect((counts["cancelled"] ?? 0) >= 9)
        #expect((counts["completed"] ?? 0) <= 1)
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0)
        #expect(await controller.wait() == 0)
    }
}
