import ArgumentParser
import Foundation
import Logging
import TraduApp
import TraduCore
import TraduPostgres
import TraduStore

#if canImport(Glibc)
    import Glibc
#endif

/// `tradu-bench scale`: one environment with N one-document blocks (200-byte documents), and what operating it
/// costs at that size: plan + apply, a re-plan of the unchanged corpus, `tradu status`, controller cycles with the
/// whole backlog waiting, claim latency at that backlog, and the tables' sizes.
struct ScaleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "N one-document blocks in one environment: apply, re-plan, status, controller cycle, claim latency.")

    @Option(help: "Blocks (one ~200-byte document each).")
    var blocks = 10_000_000

    @Option(help: "Controller cycles timed while the backlog waits (each schedules up to 20,000 blocks).")
    var cycles = 10

    @Option(help: "Claims timed (each of --claim-batch blocks, as a worker claims), and as many laned claims.")
    var claims = 200

    @Option(help: "Blocks per claim.")
    var claimBatch = 32

    @Option(
        help:
            "Runs of --blocks, each in a fresh process and server; with more than one, each figure's median and range.")
    var runs = 1

    @Option(
        help: """
            A smaller size run before each run of --blocks, to show how the cost grows: the ratio of the medians \
            of plan + apply, and of every pair of runs (e.g. --blocks 10000000 --reference 1000000).
            """)
    var reference: Int?

    /// Where a run started by `--runs` or `--reference` writes its figures as JSON for the parent.
    @Option(help: .hidden)
    var reportFile: String?

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard blocks > 0, cycles > 0, claims > 0, claimBatch > 0, runs > 0 else {
            throw ValidationError("--blocks, --cycles, --claims, --claim-batch and --runs must be positive")
        }
        if let reference, reference <= 0 || reference >= blocks {
            throw ValidationError("--reference must be positive and smaller than --blocks")
        }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        let say = options.say
        guard runs > 1 || reference != nil else {
            let report = try await oneRun(logger: logger, say: say)
            if let reportFile { try report.json().write(toFile: reportFile, atomically: true, encoding: .utf8) }
            options.emit(table: report.table(), json: report.json())
            if report.replanChanges != 0 { throw ExitCode(1) }
            return
        }
        // Interleaved, so that a slower stretch of a shared machine falls on both sizes alike; each run in a fresh
        // process, as a user's `tradu apply` is: in one process, what earlier runs leave in the heap raises the
        // later runs' peak RSS (by up to 190 MiB at 10M).
        var series = ScaleSeries(blocks: blocks, reference: reference)
        for index in 1...runs {
            if let reference {
                say("== run \(index) of \(runs): \(Format.int(reference)) blocks (reference)")
                series.references.append(try childRun(blocks: reference))
            }
            say("== run \(index) of \(runs): \(Format.int(blocks)) blocks")
            series.runs.append(try childRun(blocks: blocks))
        }
        options.emit(table: series.table(), json: series.json())
        if (series.runs + series.references).contains(where: { $0.replanChanges != 0 }) { throw ExitCode(1) }
    }

    /// One run of `blocks` blocks by this executable in a new process; its text goes to this one's progress stream.
    private func childRun(blocks: Int) throws -> ScaleFigures {
        let reportPath = (options.workDirectory as NSString).appendingPathComponent(
            "tradu-bench-scale-\(getpid())-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(atPath: reportPath) }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments =
            [
                "scale", "--blocks", String(blocks), "--cycles", String(cycles), "--claims", String(claims),
                "--claim-batch", String(claimBatch), "--report-file", reportPath,
            ] + options.passedOn
        if options.output == .json { child.standardOutput = FileHandle.standardError }
        fflush(nil)  // this process's progress lines before the child's
        try child.run()
        child.waitUntilExit()
        guard let data = FileManager.default.contents(atPath: reportPath) else {
            throw BenchFailure(
                "the run of \(blocks) blocks ended with status \(child.terminationStatus) and no figures")
        }
        return try ScaleFigures(json: data)
    }

    /// One environment of `--blocks` blocks on a fresh server (or schema), measured and cleaned up.
    private func oneRun(logger: Logger, say: (String) -> Void) async throws -> ScaleReport {
        let runID = "\(getpid())_\(Int(Date().timeIntervalSince1970))"
        let root = (options.workDirectory as NSString).appendingPathComponent("tradu-bench-scale-\(runID)")
        let schema = "tradu_bench_scale_\(runID)"
        try FileManager.default.createDirectory(atPath: root + "/manifests/data", withIntermediateDirectories: true)
        try RunBench.manifests(schema: schema, maxInFlight: nil).write(
            toFile: root + "/manifests/bench.yaml", atomically: true, encoding: .utf8)
        let dataPath = root + "/manifests/data/docs.jsonl"
        let generated = try Phase.measureSync {
            try Corpus.write(count: blocks, lineBytes: RunBench.documentBytes, to: dataPath)
        }
        say("generated \(blocks) documents, \(Format.bytes(generated.value)) in \(Format.seconds(generated.seconds))")
        let database = try await BenchDatabase.start(
            databaseURL: options.databaseURL, root: root, durable: !options.unsafeFsyncOff, settings: options.settings,
            locale: options.databaseLocale, logger: logger, say: say)
        var report = ScaleReport(blocks: blocks, corpusBytes: generated.value, database: database.description)
        do {
            try await phases(root: root, url: database.url, schema: schema, logger: logger, report: &report, say: say)
        } catch {
            try? await database.cleanUp(root: root, schema: schema, keep: options.keep)
            throw error
        }
        try await database.cleanUp(root: root, schema: schema, keep: options.keep)
        return report
    }

    private func phases(
        root: String, url: String, schema: String, logger: Logger, report: inout ScaleReport, say: (String) -> Void
    ) async throws {
        let resolver = DatabaseResolver(
            explicitURL: url, home: root + "/pg-home", environmentVariables: ProcessInfo.processInfo.environment)
        let planner = PlanService(resolver: resolver, logger: logger, projectRoot: root)
        let directory = root + "/manifests"
        let resolved = try planner.compile(directory: directory, environment: "bench")
        _ = try await planner.withStore(for: resolved) { _ in 0 }  // migrations, not measured

        // 1. Plan + apply, as `tradu apply --auto-approve`.
        let useCase = ApplyUseCase(planner: planner, applier: ApplyService(logger: logger, projectRoot: root))
        let request = ApplyUseCase.Request(
            directory: directory, environment: "bench", command: "bench",
            options: ApplyService.Options(message: "tradu-bench scale", allowMassCancel: false))
        Phase.resetPeakRSS()
        let applied = try await Phase.profile("plan + apply", say) {
            try await useCase.run(request) { _ in true }.prepared.blockPlan.toAdd
        }
        guard applied.value == blocks else { throw BenchFailure("planned \(applied.value) blocks, expected \(blocks)") }
        report.applySeconds = applied.seconds
        report.applyRSSMiB = Phase.phasePeakRSSMiB()
        // The apply's commit may leave pages that fit in shared_buffers unwritten to the tables' files, more of a
        // small apply's than of a large one's: a checkpoint right after it times that remainder, so a deferred write
        // cannot flatter the smaller size. Needs the right to CHECKPOINT (the embedded server's user has it).
        let flushing = ContinuousClock.now
        do {
            _ = try await BenchDatabase.scalar(url, "CHECKPOINT")
            report.checkpointSeconds = (ContinuousClock.now - flushing).seconds
        } catch {
            say("no checkpoint after the apply: \(error)")
        }

        // 2. Re-plan of the unchanged corpus.
        Phase.resetPeakRSS()
        let replanned = try await Phase.profile("re-plan", say) {
            try await planner.prepare(directory: directory, environment: "bench") { _, _ in }
        }
        let again = replanned.value.blockPlan
        report.replanSeconds = replanned.seconds
        report.replanRSSMiB = Phase.phasePeakRSSMiB()
        report.replanChanges = again.toAdd + again.toReprocess + again.toCancel

        let service = try await OperatorService.locate(
            directory: directory, environment: "bench", resolver: resolver, logger: logger, projectRoot: root)

        // 4. Controller cycles while the backlog waits: each schedules up to 20,000 blocks; then, the pipeline
        // paused, cycles that have nothing to schedule but still count and watch the whole backlog.
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: "bench", resolver: resolver, logger: logger)
        let controller = Controller(
            environment: "bench", logger: logger, shutdown: ShutdownSignal(),
            openStore: target.storeFactory(logger: logger))
        let store = try await target.storeFactory(logger: logger)()
        report.schedulingCycleSeconds = try await Self.timed(cycles) { _ in
            _ = try await controller.reconcileOnce(store)
        }
        _ = try await service.setPaused(true, pipeline: "bench", actor: "tradu-bench", reason: "idle cycles")
        report.waitingDuringIdleCycles = try await Self.count(url, schema, "state IN ('created', 'waiting')")
        report.idleCycleSeconds = try await Self.timed(cycles) { _ in _ = try await controller.reconcileOnce(store) }
        _ = try await service.setPaused(false, pipeline: "bench", actor: "tradu-bench", reason: "idle cycles done")

        // 3. `tradu status` (the controller's counts above a million blocks) and `tradu status --exact`.
        report.statusSeconds = try await Self.timed(5) { _ in _ = try await service.status() }
        report.statusCountedExactly = try await service.status().countsAsOf == nil
        report.exactStatusSeconds = try await Self.timed(3) { _ in _ = try await service.status(exact: true) }
        say(
            "controller cycle: scheduling \(Format.seconds(report.schedulingCycleSeconds.median)) median, idle with"
                + " \(report.waitingDuringIdleCycles) waiting \(Format.seconds(report.idleCycleSeconds.median)) median")

        // 5. Claims at that backlog, as a worker claims (the blocks stay claimed: this measures the claim only).
        let instance = "bench-claimer-\(getpid())"
        try await store.registerInstance(
            InstanceInfo(id: instance, role: "worker", host: "bench", pid: getpid(), version: "bench", concurrency: 4))
        let claimer = try await target.storeFactory(logger: logger)()
        try await claimer.preferOrderedIndexScans()
        // Plain claims alternate with laned ones (a worker whose pipelines call more than one engine): one lane with
        // room for the whole claim, and one full lane of a pipeline that has no block, so the laned statement does
        // all its work (it reads its window of the queue) and takes what the plain one would.
        let lanes = ClaimLanes([
            .init(pipelines: ["bench"], room: claimBatch), .init(pipelines: ["another-engines-pipeline"], room: 0),
        ])
        var plain: [Double] = []
        var laned: [Double] = []
        var claimed = 0
        var lanedClaimed = 0
        for index in 0..<(2 * claims) {
            let withLanes = index % 2 == 1
            let start = ContinuousClock.now
            let taken = try await claimer.claim(
                instanceID: instance, limit: claimBatch, leaseDuration: .seconds(600),
                lanes: withLanes ? lanes : .none
            ).count
            let seconds = (ContinuousClock.now - start).seconds
            if withLanes {
                laned.append(seconds)
                lanedClaimed += taken
            } else {
                plain.append(seconds)
                claimed += taken
            }
        }
        report.claimSeconds = Timings(plain)
        report.lanedClaimSeconds = Timings(laned)
        report.claimed = claimed
        report.lanedClaimed = lanedClaimed
        report.enqueuedDuringClaims = try await Self.count(url, schema, "state = 'enqueued'")
        await claimer.close()
        await store.close()

        // 6. Table sizes.
        let connection = try await PostgresConnection.connect(url, logger: logger)
        let sizes = try await connection.query(
            """
            SELECT c.relname AS name, pg_table_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8
            """, [schema])
        await connection.close()
        report.tables = sizes.map {
            ($0["name"] ?? "?", Int64($0["table_bytes"] ?? "0") ?? 0, Int64($0["index_bytes"] ?? "0") ?? 0)
        }
    }

    /// Runs `body` `times` times and returns the durations.
    static func timed(_ times: Int, _ body: (Int) async throws -> Void) async throws -> Timings {
        var seconds: [Double] = []
        for index in 0..<times {
            let start = ContinuousClock.now
            try await body(index)
            seconds.append((ContinuousClock.now - start).seconds)
        }
        return Timings(seconds)
    }

    static func count(_ url: String, _ schema: String, _ predicate: String) async throws -> Int {
        Int(try await BenchDatabase.scalar(url, "SELECT count(*) FROM \(schema).blocks WHERE \(predicate)") ?? "0") ?? 0
    }
}

/// Durations of repeated measurements.
struct Timings: Sendable {
    var samples: [Double] = []

    init(_ samples: [Double] = []) { self.samples = samples.sorted() }

    var median: Double { samples.isEmpty ? 0 : samples[samples.count / 2] }
    /// The nearest-rank percentile.
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        return samples[Swift.min(samples.count - 1, Swift.max(0, Int((p * Double(samples.count)).rounded(.up)) - 1))]
    }
    var max: Double { samples.last ?? 0 }
}

struct ScaleReport: Sendable {
    var blocks: Int
    var corpusBytes: Int64
    var database: String
    var applySeconds = 0.0
    var applyRSSMiB = 0.0
    /// A checkpoint right after the apply, when permitted.
    var checkpointSeconds: Double?
    var replanSeconds = 0.0
    var replanRSSMiB = 0.0
    var replanChanges = 0
    var statusSeconds = Timings()
    var statusCountedExactly = true
    var exactStatusSeconds = Timings()
    var schedulingCycleSeconds = Timings()
    var idleCycleSeconds = Timings()
    var waitingDuringIdleCycles = 0
    var claimSeconds = Timings()
    var claimed = 0
    /// Claims bounded by engine lanes, alternating with the plain ones.
    var lanedClaimSeconds = Timings()
    var lanedClaimed = 0
    var enqueuedDuringClaims = 0
    var tables: [(String, Int64, Int64)] = []

    func table() -> String {
        func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
        var rows: [(String, String)] = [
            ("plan + apply", "\(Format.seconds(applySeconds)), peak RSS \(Int(applyRSSMiB)) MiB"),
            (
                "checkpoint right after (the apply's pages written)",
                checkpointSeconds.map {
                    "\(Format.seconds($0)); plan + apply + checkpoint \(Format.seconds(applySeconds + $0))"
                } ?? "not permitted to this user"
            ),
            (
                "re-plan (unchanged)",
                "\(Format.seconds(replanSeconds)), \(replanChanges) changes, peak RSS \(Int(replanRSSMiB)) MiB"
            ),
            (
                "tradu status (\(statusCountedExactly ? "counted" : "controller's counts"), median / max of 5)",
                "\(ms(statusSeconds.median)) / \(ms(statusSeconds.max))"
            ),
            (
                "tradu status --exact (median / max of 3)",
                "\(ms(exactStatusSeconds.median)) / \(ms(exactStatusSeconds.max))"
            ),
            (
                "controller cycle, scheduling 20,000 (median / max)",
                "\(ms(schedulingCycleSeconds.median)) / \(ms(schedulingCycleSeconds.max))"
            ),
            (
                "controller cycle, \(waitingDuringIdleCycles) waiting, paused (median / max)",
                "\(ms(idleCycleSeconds.median)) / \(ms(idleCycleSeconds.max))"
            ),
            (
                "claim of \(claimed / Swift.max(claimSeconds.samples.count, 1)) at \(enqueuedDuringClaims) enqueued (p50 / p99)",
                "\(ms(claimSeconds.median)) / \(ms(claimSeconds.percentile(0.99)))"
            ),
            (
                "laned claim of \(lanedClaimed / Swift.max(lanedClaimSeconds.samples.count, 1)), alternating (p50 / p99)",
                "\(ms(lanedClaimSeconds.median)) / \(ms(lanedClaimSeconds.percentile(0.99)))"
            ),
        ]
        for (name, tableBytes, indexBytes) in tables {
            rows.append(
                (
                    "  \(name): table + indexes",
                    "\(Format.bytes(tableBytes)) + \(Format.bytes(indexBytes))"
                        + " (\((tableBytes + indexBytes) / Int64(Swift.max(blocks, 1))) B/block)"
                ))
        }
        let width = rows.map(\.0.count).max() ?? 0
        var text = "tradu-bench scale: \(blocks) one-document blocks (~200 B, \(Format.bytes(corpusBytes)) JSONL)\n"
        text += "database: \(database)\n"
        for (name, value) in rows {
            text += name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value + "\n"
        }
        return text
    }

    func json() -> String {
        func timings(_ t: Timings) -> String {
            String(format: "{\"median\": %.6f, \"p99\": %.6f, \"max\": %.6f}", t.median, t.percentile(0.99), t.max)
        }
        let tableJSON = tables.map { "{\"name\": \"\($0.0)\", \"table_bytes\": \($0.1), \"index_bytes\": \($0.2)}" }
        return """
            {"blocks": \(blocks), "corpus_bytes": \(corpusBytes), "database": "\(database)",
             "apply_seconds": \(applySeconds), "apply_peak_rss_mib": \(applyRSSMiB),
             "checkpoint_after_apply_seconds": \(checkpointSeconds.map { "\($0)" } ?? "null"),
             "replan_seconds": \(replanSeconds), "replan_peak_rss_mib": \(replanRSSMiB), "replan_changes": \(replanChanges),
             "status_seconds": \(timings(statusSeconds)), "status_counted_exactly": \(statusCountedExactly),
             "exact_status_seconds": \(timings(exactStatusSeconds)), "scheduling_cycle_seconds": \(timings(schedulingCycleSeconds)),
             "idle_cycle_seconds": \(timings(idleCycleSeconds)), "waiting_during_idle_cycles": \(waitingDuringIdleCycles),
             "claim_seconds": \(timings(claimSeconds)), "claimed": \(claimed), "enqueued_during_claims": \(enqueuedDuringClaims),
             "laned_claim_seconds": \(timings(lanedClaimSeconds)), "laned_claimed": \(lanedClaimed),
             "tables": [\(tableJSON.joined(separator: ", "))]}
            """
    }
}
