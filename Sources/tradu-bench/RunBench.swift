import ArgumentParser
import Foundation
import Logging
import TraduApp
import TraduCore
import TraduEmbeddedPostgres
import TraduPostgres
import TraduStore

#if canImport(Glibc)
    import Glibc
#endif

/// `tradu-bench run`: N one-document blocks through the real runtime (controller + worker pool in process,
/// every guarantee in force), end-to-end blocks/s and latencies from the event log, against pgbench -N on the
/// same server as a ceiling.
struct RunBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Apply N one-document blocks (pseudo engine) and run them to completion with the real runtime."
    )

    @Option(help: "Number of blocks (one ~200-byte document each).")
    var blocks = 20_000

    @Option(help: "Worker slots (WorkerSettings.concurrency).")
    var concurrency = 4

    @Option(
        help:
            "Cap on blocks claimed ahead of free slots (default: WorkerSettings' default, 1,024; the worker claims about a second of work within it)."
    )
    var prefetch: Int?

    @Option(help: "Completions committed per transaction at most (default: WorkerSettings' default, 256).")
    var flushBatch: Int?

    @Option(help: "The environment's maxBlocksInFlight (default: no cap): measures a capped pipeline's flow.")
    var maxInFlight: Int?

    @Option(help: "Seconds of the pgbench -N reference run (0 skips pgbench).")
    var pgbenchSeconds = 15

    @Option(help: "Runs, each followed by its pgbench reference; the median and range of each figure are printed.")
    var runs = 1

    @Flag(
        help: ArgumentHelp(
            "Also print the statements that took the most server time in each run (pg_stat_statements).",
            discussion:
                "The embedded server then loads the module; a --database-url server must have it in "
                + "shared_preload_libraries. Counting costs the server a little CPU: compare runs made alike."))
    var statements = false

    @Flag(
        help: ArgumentHelp(
            "Also print what the run's WAL is made of, by record type (pg_waldump --stats=record).",
            discussion:
                "Embedded server only (it reads the server's pg_wal); the server then keeps every WAL segment "
                + "until the run is read (wal_keep_size)."))
    var walRecords = false

    @Flag(
        help: ArgumentHelp(
            "Write the hot transitions' events as rows (block_events), the form releases before 2026-12-08 wrote.",
            discussion:
                "This release reads both forms and writes chunks (block_event_chunks); the flag measures the other "
                + "form (Store.writesEventChunks off)."
        ))
    var eventRows = false

    @OptionGroup var options: BenchOptions

    static let documentBytes = 200

    func validate() throws {
        guard blocks > 0 else { throw ValidationError("--blocks must be positive") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be positive") }
        guard pgbenchSeconds >= 0 else { throw ValidationError("--pgbench-seconds must be >= 0") }
        guard runs > 0 else { throw ValidationError("--runs must be positive") }
        if let flushBatch, flushBatch <= 0 { throw ValidationError("--flush-batch must be positive") }
        if walRecords, options.databaseURL != nil {
            throw ValidationError("--wal-records reads the embedded server's pg_wal: drop --database-url")
        }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let say = options.say
        let runID = "\(getpid())_\(Int(Date().timeIntervalSince1970))"
        let home = (options.workDirectory as NSString).appendingPathComponent("tradu-bench-run-\(runID)")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // One server for every run: each run gets its own project, schema and pgbench database.
        var settings = options.settings
        if statements, options.databaseURL == nil {
            settings[StatementCosts.preload.0] = StatementCosts.preload.1
        }
        if walRecords { settings[WalRecords.keepSetting.0] = WalRecords.keepSetting.1 }
        let database = try await BenchDatabase.start(
            databaseURL: options.databaseURL, root: home, durable: !options.unsafeFsyncOff, settings: settings,
            locale: options.databaseLocale, logger: logger, say: say)
        var reports: [RunReport] = []
        var failure: Error?
        for index in 1...runs {
            if runs > 1 { say("== run \(index) of \(runs)") }
            do {
                reports.append(try await oneRun(index: index, runID: runID, home: home, database: database, say: say))
            } catch {
                failure = error
                break
            }
        }
        if !options.keep {
            if let embedded = database.embedded { try? embedded.destroy() }
            try? FileManager.default.removeItem(atPath: home)
        }
        if let failure { throw failure }

        switch options.output {
        case .text:
            for report in reports { print(report.table()) }
            if reports.count > 1 { print(RunReport.summaryTable(reports)) }
        case .json:
            print(reports.count == 1 ? reports[0].json() : RunReport.json(reports))
        }
        if !reports.allSatisfy(\.verified) { throw ExitCode(1) }
    }

    /// One run: a fresh project and schema, plan + apply, the runtime until every block is final, then pgbench.
    private func oneRun(index: Int, runID: String, home: String, database: BenchDatabase, say: (String) -> Void)
        async throws -> RunReport
    {
        let logger = Logger(label: "tradu-bench")
        var report = RunReport(blocks: blocks, concurrency: concurrency, maxInFlight: maxInFlight)
        let root = home + "/project-\(index)"
        let schema = "tradu_bench_run_\(runID)_\(index)"
        try FileManager.default.createDirectory(atPath: root + "/manifests/data", withIntermediateDirectories: true)
        try Self.manifests(schema: schema, maxInFlight: maxInFlight).write(
            toFile: root + "/manifests/bench.yaml", atomically: true, encoding: .utf8)
        let dataPath = root + "/manifests/data/docs.jsonl"
        say("project: \(root)")
        let generated = try Phase.measureSync {
            try Corpus.write(count: blocks, lineBytes: Self.documentBytes, to: dataPath)
        }
        report.bytes = generated.value
        say("generated \(blocks) documents, \(Format.bytes(generated.value)) in \(Format.seconds(generated.seconds))")
        report.database = database.description
        report.durable = database.durable
        report.postgresVersion = try await BenchDatabase.scalar(database.url, "SHOW server_version") ?? "?"

        var failure: Error?
        do {
            try await runPhases(
                root: root, url: database.url, dataDirectory: try database.embedded?.status().dataDirectory,
                schema: schema, logger: logger, report: &report, say: say)
            if pgbenchSeconds > 0 {
                do {
                    try await runPgbench(url: database.url, embedded: database.embedded, report: &report, say: say)
                } catch {
                    report.pgbenchError = "\(error)"
                    FileHandle.standardError.write(Data("warning: pgbench reference failed: \(error)\n".utf8))
                }
            }
        } catch {
            failure = error
        }
        if !options.keep {
            try? await database.dropSchema(schema, extraDatabases: ["pgbench_ref"])
            try? FileManager.default.removeItem(atPath: root)
        }
        if let failure { throw failure }
        return report
    }

    // MARK: Phases

    /// `dataDirectory`: the embedded server's, where `--wal-records` reads the WAL.
    private func runPhases(
        root: String, url: String, dataDirectory: String?, schema: String, logger: Logger, report: inout RunReport,
        say: (String) -> Void
    ) async throws {
        let resolver = DatabaseResolver(
            explicitURL: url, home: root + "/pg-home", environmentVariables: ProcessInfo.processInfo.environment)
        let planner = PlanService(resolver: resolver, logger: logger, projectRoot: root)
        let applier = ApplyService(logger: logger, projectRoot: root)
        let directory = root + "/manifests"
        let resolved = try planner.compile(directory: directory, environment: "bench")
        _ = try await planner.withStore(for: resolved) { _ in 0 }  // migrations, not measured
        let probe = try await PostgresConnection.connect(url, logger: logger)
        defer { Task { await probe.close() } }

        // a. Plan + apply, as `tradu apply --auto-approve` does it (reported beside the throughput).
        let beforeApply = try await CostProbe.snapshot(probe, schema: schema)
        let useCase = ApplyUseCase(planner: planner, applier: applier)
        let request = ApplyUseCase.Request(
            directory: directory, environment: "bench", command: "bench",
            options: ApplyService.Options(message: "tradu-bench run", allowMassCancel: false))
        let applied = try await Phase.profile("plan + apply", say) { () async throws -> (Int, Int64?) in
            let outcome = try await useCase.run(request) { _ in true }
            return (outcome.prepared.blockPlan.toAdd, outcome.revision?.number)
        }
        report.applyCost = try await CostProbe.cost(
            from: beforeApply, to: try await CostProbe.snapshot(probe, schema: schema), probe)
        report.apply = Measurement(
            seconds: applied.seconds, rssMiB: Phase.peakRSSMiB(), clientCPU: applied.clientCPU,
            serverCPU: applied.serverCPU)
        guard applied.value.1 != nil else { throw BenchFailure("apply wrote nothing") }
        guard applied.value.0 == blocks else {
            throw BenchFailure("the plan has \(applied.value.0) blocks to add, expected \(blocks)")
        }
        say("plan + apply: \(Format.seconds(applied.seconds)), \(applied.value.0) blocks")

        // b. The real runtime, in process, until every block is final.
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: "bench", resolver: resolver, logger: logger)
        if statements { try await StatementCosts.reset(probe) }
        let beforeRun = try await CostProbe.snapshot(probe, schema: schema)
        var workerSettings = WorkerSettings(concurrency: concurrency, prefetch: prefetch)
        if let flushBatch { workerSettings.flushBatch = flushBatch }
        let runner = Runner(
            environment: "bench", worker: workerSettings,
            controller: ControllerSettings(),
            variables: [:], logger: logger, watch: false)
        let factory = target.storeFactory(logger: logger)
        let chunked = !eventRows
        report.eventRows = !chunked
        let openStore: Worker.StoreFactory = {
            var store = try await factory()
            store.writesEventChunks = chunked
            return store
        }
        let serverStart = try await BenchDatabase.scalar(url, "SELECT extract(epoch FROM clock_timestamp())::text")
            .flatMap(Double.init)
        let ran = try await Phase.profile("run", say) {
            try await runner.run(shutdown: ShutdownSignal(), openStore: openStore)
        }
        report.run = Measurement(
            seconds: ran.seconds, rssMiB: Phase.peakRSSMiB(), clientCPU: ran.clientCPU, serverCPU: ran.serverCPU)
        report.observedFinalSeconds = ran.value.allFinalAfter?.seconds ?? 0
        let summary = ran.value
        report.completed = summary.completed
        report.failed = summary.failed
        let all = BlockCounts.sum(summary.counts.values)
        report.otherStates = all.total - all.count(of: .completed) - all.count(of: .failed)
        // The runner closed its connections: their statistics are flushed within a second.
        try await Task.sleep(for: .milliseconds(1_500))
        let afterRun = try await CostProbe.snapshot(probe, schema: schema)
        report.runCost = try await CostProbe.cost(from: beforeRun, to: afterRun, probe)
        if walRecords, let dataDirectory {
            // The last record must be on disk for pg_waldump to read up to it.
            try await probe.query("SELECT pg_switch_wal()")
            report.walRecords = try WalRecords.read(
                dataDirectory: dataDirectory, start: beforeRun.walLSN, end: afterRun.walLSN)
            var names: [String: String] = [:]
            for row in try await probe.query(
                "SELECT pg_relation_filenode(oid)::text AS node, relname FROM pg_class WHERE relfilenode <> 0")
            {
                if let node = row["node"] { names[node] = row["relname"] ?? "?" }
            }
            report.walRelations = try WalRecords.byRelation(
                dataDirectory: dataDirectory, start: beforeRun.walLSN, end: afterRun.walLSN, names: names)
        }
        if statements {
            report.statements = try await StatementCosts.read(probe)
            report.compiledStatements = try await StatementCosts.readCompiled(probe)
        }

        // c. Verification and latencies, from the tables.
        let connection = try await PostgresConnection.connect(url, logger: logger)
        defer { Task { await connection.close() } }
        let results = try await connection.query(
            """
            SELECT count(*) AS n FROM \(schema).results r JOIN \(schema).blocks b ON b.id = r.block_id
            WHERE b.state = 'completed'
            """)
        report.resultRows = try results.first?.int("n") ?? 0
        let latency = try await connection.query(
            """
            WITH per AS (
                SELECT block_id,
                       min(at) FILTER (WHERE to_state = 'enqueued') AS enqueued,
                       max(at) FILTER (WHERE to_state = 'in_process') AS claimed,
                       max(at) FILTER (WHERE to_state = 'completed') AS completed
                FROM \(EventLogSQL.everyEvent(schema: schema)) e GROUP BY block_id
            ), spans AS (
                SELECT extract(epoch FROM completed - claimed) AS claim_s,
                       extract(epoch FROM completed - enqueued) AS enqueue_s, completed
                FROM per WHERE completed IS NOT NULL
            )
            SELECT count(*) AS n,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY claim_s) AS claim_p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY claim_s) AS claim_p99,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY enqueue_s) AS enqueue_p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY enqueue_s) AS enqueue_p99,
                   extract(epoch FROM max(completed)) AS last_completed,
                   (SELECT extract(epoch FROM min(claimed)) FROM per) AS first_claimed
            FROM spans
            """)
        if let row = latency.first {
            report.claimP50 = try row.double("claim_p50") ?? 0
            report.claimP99 = try row.double("claim_p99") ?? 0
            report.enqueueP50 = try row.double("enqueue_p50") ?? 0
            report.enqueueP99 = try row.double("enqueue_p99") ?? 0
            if let last = try row.double("last_completed"), let serverStart {
                report.lastCompletedSeconds = last - serverStart
            }
            if let first = try row.double("first_claimed"), let serverStart {
                report.firstClaimSeconds = first - serverStart
            }
        }
        let events = try await connection.query(
            "SELECT to_state, count(*) AS n FROM \(EventLogSQL.everyEvent(schema: schema)) e GROUP BY 1 ORDER BY 1"
        )
        report.events = try events.reduce(into: [String: Int]()) { $0[$1.string("to_state") ?? "?"] = try $1.int("n") }

        say(
            "run: \(Format.seconds(ran.seconds)) (runner returned), all final after \(Format.seconds(report.finalSeconds))"
                + ", \(report.completed) completed, \(report.failed) failed, \(report.resultRows) results")
        if !report.verified {
            let message =
                "VERIFICATION FAILED: \(report.completed) completed (expected \(blocks)), \(report.resultRows) result"
                + " rows (expected \(blocks)), \(report.failed) failed, \(report.otherStates) in other states"
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        }
    }

    /// pgbench -i -s 10 into `pgbench_ref`, then -N -c 4 -j 2 -T `pgbenchSeconds`, over the same server.
    private func runPgbench(url: String, embedded: EmbeddedPostgres?, report: inout RunReport, say: (String) -> Void)
        async throws
    {
        guard let pgbench = Self.findPgbench() else {
            throw BenchFailure("pgbench not found in /usr/lib/postgresql/*/bin or PATH")
        }
        report.pgbenchPath = pgbench
        let admin = try await PostgresConnection.connect(url)
        try await BenchDatabase.dropDatabase("pgbench_ref", admin)
        try await admin.execute("CREATE DATABASE pgbench_ref")
        await admin.close()
        let target = try Self.pgbenchTarget(url: url)
        let initialised = try await Phase.measure {
            try Self.runProcess(pgbench, ["-i", "-s", "10", "-q"] + target)
        }
        say("pgbench -i -s 10: \(Format.seconds(initialised.seconds))")
        let arguments = ["-N", "-c", "4", "-j", "2", "-T", String(pgbenchSeconds)] + target
        let measured = try await Phase.profile("pgbench -N", say) { try Self.runProcess(pgbench, arguments) }
        report.pgbench = Measurement(
            seconds: measured.seconds, rssMiB: 0, clientCPU: 0, serverCPU: measured.serverCPU)
        report.pgbenchCommand = "pgbench " + arguments.joined(separator: " ")
        guard let tps = Self.parseTPS(measured.value) else {
            throw BenchFailure("no 'tps = ' in pgbench output:\n\(measured.value)")
        }
        report.pgbenchTPS = tps
        say(String(format: "pgbench -N: %.0f tps", tps))
    }

    /// `-h host -p port -U user pgbench_ref` from the URL (unix socket directory in `?host=`).
    static func pgbenchTarget(url: String) throws -> [String] {
        guard let components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            throw BenchFailure("pgbench needs a postgresql:// URL")
        }
        var arguments: [String] = []
        let query = components.queryItems ?? []
        if let host = query.first(where: { $0.name == "host" })?.value ?? components.host, !host.isEmpty {
            arguments += ["-h", host]
        }
        if let port = query.first(where: { $0.name == "port" })?.value ?? components.port.map(String.init) {
            arguments += ["-p", port]
        }
        if let user = query.first(where: { $0.name == "user" })?.value ?? components.user, !user.isEmpty {
            arguments += ["-U", user]
        }
        return arguments + ["pgbench_ref"]
    }

    static func findPgbench() -> String? { findPostgresTool("pgbench") }

    /// A PostgreSQL client tool: the newest `/usr/lib/postgresql/*/bin` that has it, else the first on `PATH`.
    static func findPostgresTool(_ name: String) -> String? {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
            .sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(base)/\(version)/bin/\(name)") {
            return "\(base)/\(version)/bin/\(name)"
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        return nil
    }

    static func parseTPS(_ output: String) -> Double? {
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: "tps = ") else { continue }
            let number = line[range.upperBound...].prefix { $0.isNumber || $0 == "." }
            if let value = Double(number) { return value }
        }
        return nil
    }

    /// Runs a program to the end; stdout and stderr together (through a temporary file). Throws on a non-zero
    /// exit. posix_spawn with an empty signal mask and default dispositions: Foundation's `Process` passes on this
    /// process's blocked signals, and pgbench's `-T` timer is a SIGALRM that would then never arrive.
    static func runProcess(_ path: String, _ arguments: [String]) throws -> String {
        try runProcess(path, arguments) { outputPath in (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        }
    }

    /// Runs `path` with `arguments`, its output (stdout and stderr) in a temporary file that `read` gets the path
    /// of once it exits 0, so a large output (pg_waldump over a million blocks: gigabytes) can be streamed.
    static func runProcess<T>(_ path: String, _ arguments: [String], read: (String) throws -> T) throws -> T {
        let outputPath = NSTemporaryDirectory() + "/tradu-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(outputPath) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw BenchFailure("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        let code = (status >> 8) & 0xff
        guard signal == 0, code == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw BenchFailure(
                "\(path) \(arguments.joined(separator: " ")) "
                    + (signal != 0 ? "was killed by signal \(signal)" : "exited with \(code)") + ":\n\(text)")
        }
        return try read(outputPath)
    }

    // MARK: Helpers

    static func manifests(schema: String, maxInFlight: Int?) -> String {
        BenchManifests.project(
            schema: schema, blocks: "    maxRecords: 1",
            environmentExtra: maxInFlight.map { "  concurrency: {maxBlocksInFlight: \($0)}" } ?? "")
    }
}
