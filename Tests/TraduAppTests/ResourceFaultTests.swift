import Foundation
import Testing
import TraduCore
import TraduTestSupport

/// The database in trouble, for real: PostgreSQL's files on a small tmpfs that a test fills. Mounting needs
/// root, which CI has (`.ci/run` runs as root); elsewhere these tests are not run.
@Suite(.serialized, .enabled(if: getuid() == 0, "mounts a tmpfs for PostgreSQL's data: needs root, as in CI"))
struct ResourceFaultTests {
    /// A full disk mid-run: the fleet pauses (nothing fails, no process exits), `/readyz` and `tradu status`
    /// say why with the SQLSTATE, and the run completes by itself once the space is back, with exactly one
    /// result per block. If PostgreSQL stops on the full disk (a PANIC writing WAL), it is started again as a
    /// supervisor would, and tradu reconnects.
    @Test func aFullDiskPausesTheFleetAndTheRunCompletesWhenSpaceReturns() async throws {
        let mount = TestPostgres.makeTemporaryDirectory()
        try shell("mount -t tmpfs -o size=200m,mode=0755 tmpfs '\(mount)'")
        defer { try? shell("umount -l '\(mount)'") }
        let server = TestPostgres(directory: mount + "/pg")
        // 0.1 s a block: about 10 s of work is left when the disk fills after the first 20, so the worker is still
        // writing then (with quicker blocks a fast worker could finish first and meet no error at all).
        let project = try await TestProject.runtime(
            documents: 300, maxRecords: 1, sleep: 0.1, maxAttempts: 1, database: try await server.freshDatabase())
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev", "--metrics-addr", "127.0.0.1:0"], in: project)
        let worker = try TraduProcess(["worker", "-e", "dev", "--metrics-addr", "127.0.0.1:0"], in: project)
        try await eventually("blocks complete") { try await project.counts()["completed"] ?? 0 >= 20 }

        // Fill the disk: nothing more can be written until the file goes.
        let filler = mount + "/filler"
        try? shell("dd if=/dev/zero of='\(filler)' bs=1M status=none")
        let readyz = try await worker.opsBaseURL() + "/readyz"
        var refusal = ""
        try await eventually("/readyz says the database refuses writes, with the SQLSTATE", upTo: .seconds(30)) {
            guard let response = await ObservabilityTests.get(readyz), response.status == 503 else { return false }
            refusal = response.bodyText
            return refusal.contains("53100")
        }
        #expect(refusal.contains("\"writes\""), "\(refusal)")
        // `tradu status` says why: from the degraded condition the fleet recorded; or, when the full disk keeps a
        // new connection from starting at all (a new backend may need to write its relation cache file), from
        // PostgreSQL's own refusal; or, when PostgreSQL itself went down on the full disk (a PANIC writing WAL ends
        // every backend, and the server restarts or stops), that the database is unavailable and how the
        // connection ended (seen once in CI: "server closed the connection unexpectedly").
        let status = try await CommandLineTests.run(
            ["status", "-e", "dev"], in: project.root, database: project.databaseURL)
        let degraded = status.stdout.contains("DatabaseDegraded=True (SQLSTATE 53100)")
        let unavailable = status.status != 0 && status.stderr.contains("the database is unavailable")
        let refused =
            unavailable
            && ["could not write", "No space left on device", "53100"].contains { status.stderr.contains($0) }
        let down =
            unavailable
            && ["server closed the connection unexpectedly", "Connection refused", "the database system is"]
                .contains { status.stderr.contains($0) }
        #expect(degraded || refused || down, "\(status.stdout)\(status.stderr)")
        try await Task.sleep(for: .seconds(10))
        // PostgreSQL may have stopped on the full disk meanwhile (a PANIC writing WAL): then nothing can be counted
        // now, and the final count (every block completed, with one attempt allowed) shows that none failed.
        if let counts = try? await project.counts() {
            #expect(counts["failed"] == nil, "no block fails for the database's trouble")
        }

        // Space back: the run carries on by itself.
        try FileManager.default.removeItem(atPath: filler)
        let logs = {
            "postgres running: \((try? server.embedded.status().isRunning) ?? false)\ncontroller:\n"
                + "\(controller.logDigest)\nworker:\n\(worker.logDigest)"
        }
        try await eventually("every block completes", upTo: .seconds(180), explain: logs) {
            // As a supervisor restarts a PostgreSQL that stopped, whenever it finds it stopped (it may stop only
            // after the space came back, finishing a PANIC it began on the full disk).
            if (try? server.embedded.status().isRunning) != true { _ = try? await server.embedded.up() }
            return (try? await project.counts()) == ["completed": 300]
        }
        let results = try await project.query("SELECT count(*) AS n, count(DISTINCT block_id) AS d FROM results")
        #expect(results[0]["n"]!! == "300" && results[0]["d"]!! == "300", "exactly one result per block")
        #expect(controller.process.isRunning && worker.process.isRunning, "the same processes carried on")
        let metrics = await ObservabilityTests.get(try await worker.opsBaseURL() + "/metrics")?.bodyText ?? ""
        #expect(metrics.contains(#"class="53""#), "the trouble was counted by SQLSTATE class")
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0, "\(controller.logDigest)")
        try await server.stop()
    }

    private func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "failed: \(command)"])
        }
    }
}

/// A database short of connection slots, or far away: needs no root, only a server of its own.
@Suite(.serialized) struct ConnectionLimitTests {
    /// A slow database: 100 ms added to every round trip between the processes and PostgreSQL, by a proxy on
    /// 127.0.0.1 that delays each chunk 50 ms each way (`Fixtures/network/latency_proxy.py`: this kernel has no
    /// `netem` qdisc for `tc`). With the default lease rule (lease >= 2 heartbeats, both far above a round trip)
    /// nothing expires, nothing is lost or done twice, and every block completes. The test reads through the
    /// unix socket, undelayed.
    @Test func aSlowDatabaseStillCompletesEveryBlockOnce() async throws {
        let server = TestPostgres(settings: ["listen_addresses": "127.0.0.1"])
        let database = try await server.freshDatabase()
        let port = try #require(try server.embedded.status().port)
        let proxyPort = Int.random(in: 20_000..<30_000)
        let proxy = try startProxy("latency_proxy.py", port: proxyPort, target: port, ["--delay-ms", "50"])
        defer { stopProxy(proxy) }
        let name = try #require(URLComponents(string: database)?.path.dropFirst())
        let slowURL = "postgresql://tradu@127.0.0.1:\(proxyPort)/\(name)"
        let project = try await TestProject.runtime(documents: 60, maxRecords: 1, maxAttempts: 1, database: database)
        try await project.apply()
        let started = ContinuousClock.now
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project, databaseURL: slowURL)
        let worker = try TraduProcess(["worker", "-e", "dev"], in: project, databaseURL: slowURL)
        do {
            try await eventually("every block completes over the slow link", upTo: .seconds(120)) {
                (try? await project.counts()) == ["completed": 60]
            }
        } catch {
            Issue.record("worker: \(worker.logDigest)\ncontroller: \(controller.logDigest)")
            worker.kill9()
            controller.kill9()
            throw error
        }
        let seconds = (ContinuousClock.now - started).seconds
        print("slow database (+100 ms a round trip): 60 blocks in \(seconds) s, \(60 / seconds) blocks/s")
        let results = try await project.query("SELECT count(*) AS n, count(DISTINCT block_id) AS d FROM results")
        #expect(results[0]["n"]!! == "60" && results[0]["d"]!! == "60", "exactly one result per block")
        let recovered = try await project.query(
            "SELECT count(*) AS n FROM block_events WHERE reason IN ('lease expired', 'instance dead')")
        #expect(recovered[0]["n"]!! == "0", "no lease expired under normal latency")
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0, "\(controller.logDigest)")
        try await server.stop()
    }

    /// A commit whose reply is lost: the worker's completing transaction commits, and the connection breaks before
    /// the reply arrives (`Fixtures/network/commit_cutting_proxy.py` passes the COMMIT on, lets the server commit,
    /// then closes both sides). The worker retries once the database answers; it finds its outcomes already in the
    /// log and counts them done, rather than running the completion again, meeting its own fence ("outcomes
    /// refused") and adding the batch's spend a second time.
    @Test func aCompletionWhoseCommitReplyIsLostIsCountedOnce() async throws {
        let server = TestPostgres(settings: ["listen_addresses": "127.0.0.1"])
        let database = try await server.freshDatabase()
        let port = try #require(try server.embedded.status().port)
        let trigger = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: trigger, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: trigger) }
        let proxyPort = Int.random(in: 20_000..<30_000)
        let proxy = try startProxy(
            "commit_cutting_proxy.py", port: proxyPort, target: port,
            ["--after", "COPY results", "--trigger-file", trigger])
        defer { stopProxy(proxy) }
        let name = try #require(URLComponents(string: database)?.path.dropFirst())
        let cuttingURL = "postgresql://tradu@127.0.0.1:\(proxyPort)/\(name)"
        let project = try await TestProject.runtime(documents: 30, maxRecords: 1, maxAttempts: 1, database: database)
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let worker = try TraduProcess(["worker", "-e", "dev"], in: project, databaseURL: cuttingURL)
        let logs = { "worker:\n\(worker.logDigest)\ncontroller:\n\(controller.logDigest)" }
        try await eventually("every block completes", upTo: .seconds(90), explain: logs) {
            (try? await project.counts()) == ["completed": 30]
        }
        #expect(!FileManager.default.fileExists(atPath: trigger), "the proxy cut a completion's commit")
        #expect(worker.log.contains("database unavailable while committing outcomes; retrying"), "\(logs())")
        #expect(worker.log.contains("outcomes found committed by the try that broke off"), "\(logs())")
        #expect(!worker.log.contains("outcomes refused"), "\(logs())")
        let spend = try await project.query("SELECT sum(attempts) AS n FROM spend")
        #expect(spend.first?["n"]!! == "30", "each attempt's spend counted once")
        let results = try await project.query("SELECT count(*) AS n, count(DISTINCT block_id) AS d FROM results")
        #expect(results[0]["n"]!! == "30" && results[0]["d"]!! == "30", "exactly one result per block")
        worker.terminate()
        controller.terminate()
        #expect(await worker.wait() == 0, "\(worker.logDigest)")
        #expect(await controller.wait() == 0, "\(controller.logDigest)")
        try await server.stop()
    }

    /// Too many connections: a surplus worker waits and retries with backoff, one log line per attempt,
    /// without holding the slots it did get; the others carry on; it joins when a slot frees.
    @Test func aWorkerThatFindsNoConnectionSlotWaitsAndJoinsWhenOneFrees() async throws {
        // 8 slots: the test's admin connection, the controller's 2 and the first worker's 3 leave 2, one short
        // of a worker's 3 (claiming, committing, heartbeats).
        let server = TestPostgres(settings: ["max_connections": "8"])
        let project = try await TestProject.runtime(
            documents: 40, maxRecords: 1, sleep: 0.4, database: try await server.freshDatabase())
        try await project.apply()
        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        let first = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        try await eventually("the first worker completes blocks") {
            (try? await project.counts()["completed"] ?? 0 >= 3) ?? false
        }
        let surplus = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        // The server refuses the connection itself ("sorry, too many clients already", 53300 before a session
        // exists, so libpq reports it without a SQLSTATE): a connection failure, waited out like the others.
        try await eventually("the surplus worker retries for lack of connection slots") {
            surplus.log.components(separatedBy: "database unavailable at startup; retrying").count > 2
                && surplus.log.contains("too many clients already")
        }
        let before = (try? await project.counts()["completed"] ?? 0) ?? 0
        try await eventually("the first worker is unaffected") {
            ((try? await project.counts()["completed"] ?? 0) ?? 0) > before
        }
        #expect(!surplus.log.contains("worker started"))
        first.terminate()
        #expect(await first.wait() == 0, "\(first.logDigest)")
        try await eventually("the surplus worker joins once slots free") { surplus.log.contains("worker started") }
        try await eventually("every block completes", upTo: .seconds(120)) {
            (try? await project.counts()) == ["completed": 40]
        }
        surplus.terminate()
        controller.terminate()
        #expect(await surplus.wait() == 0, "\(surplus.logDigest)")
        #expect(await controller.wait() == 0, "\(controller.logDigest)")
        try await server.stop()
    }
}

/// Starts `Fixtures/network/<script>` on 127.0.0.1:`port`, in front of PostgreSQL's `target` port.
private func startProxy(_ script: String, port: Int, target: Int, _ arguments: [String]) throws -> Process {
    let proxy = Process()
    proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    proxy.arguments =
        ["python3", RepositoryPaths.root + "/Tests/TraduAppTests/Fixtures/network/" + script]
        + ["--listen-port", String(port), "--target-port", String(target)] + arguments
    proxy.standardOutput = FileHandle.nullDevice
    proxy.standardError = FileHandle.nullDevice
    try proxy.run()
    return proxy
}

/// SIGKILL: the test process's blocked signals are inherited, so a SIGTERM could stay pending forever.
private func stopProxy(_ proxy: Process) {
    kill(proxy.processIdentifier, SIGKILL)
    proxy.waitUntilExit()
}
