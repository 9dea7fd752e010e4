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

@main
struct TraduBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradu-bench",
        abstract: "Benchmarks for tradu against a real PostgreSQL.",
        subcommands: [PlanBench.self, RunBench.self, ScaleBench.self]
    )
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// `tradu-bench plan`: plan, apply and re-plan a synthetic corpus with the real services, and compare with
/// a raw COPY of the same bytes.
struct PlanBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan + apply + re-plan N synthetic 1 KiB documents; compare with a raw COPY of the same JSONL."
    )

    @Option(help: "Number of documents to generate.")
    var documents = 1_000_000

    @OptionGroup var options: BenchOptions

    func validate() throws {
        guard documents > 0 else { throw ValidationError("--documents must be positive") }
    }

    func run() async throws {
        let logger = options.bootstrapLogging()
        var report = Report(documents: documents)
        let say = options.say

        // 1. Project and corpus.
        let runID = "\(getpid())_\(Int(Date().timeIntervalSince1970))"
        let root = (options.workDirectory as NSString).appendingPathComponent("tradu-bench-\(runID)")
        let schema = "tradu_bench_\(runID)"
        try FileManager.default.createDirectory(atPath: root + "/manifests/data", withIntermediateDirectories: true)
        try Self.manifests(schema: schema).write(
            toFile: root + "/manifests/bench.yaml", atomically: true, encoding: .utf8)
        let dataPath = root + "/manifests/data/docs.jsonl"
        say("project: \(root)")
        let generated = try Phase.measureSync { try Corpus.write(count: documents, to: dataPath) }
        report.bytes = generated.value
        report.generateSeconds = generated.seconds
        say(
            "generated \(documents) documents, \(Format.bytes(generated.value)) in \(Format.seconds(generated.seconds))"
        )

        // 2. Database.
        let database = try await BenchDatabase.start(
            databaseURL: options.databaseURL, root: root, durable: !options.unsafeFsyncOff, settings: options.settings,
            locale: options.databaseLocale, logger: logger, say: say)
        let url = database.url
        report.database = database.description
        report.postgresVersion = try await BenchDatabase.scalar(url, "SHOW server_version") ?? "?"

        do {
            try await runPhases(
                root: root, url: url, schema: schema, dataPath: dataPath, logger: logger,
                report: &report, say: say)
        } catch {
            try? await database.cleanUp(root: root, schema: schema, keep: options.keep)
            throw error
        }
        try await database.cleanUp(root: root, schema: schema, keep: options.keep)

        options.emit(table: report.table(), json: report.json())
        if report.replanChanges != 0 { throw ExitCode(1) }
    }

    private func runPhases(
        root: String, url: String, schema: String, dataPath: String, logger: Logger, report: inout Report,
        say: (String) -> Void
    ) async throws {
        let resolver = DatabaseResolver(
            explicitURL: url, home: root + "/pg-home", environmentVariables: ProcessInfo.processInfo.environment)
        let planner = PlanService(resolver: resolver, logger: logger, projectRoot: root)
        let applier = ApplyService(logger: logger, projectRoot: root)
        let directory = root + "/manifests"
        let resolved = try planner.compile(directory: directory, environment: "bench")

        // Migrations of the fresh schema, outside the measured phases.
        let migrated = try await Phase.measure { try await planner.withStore(for: resolved) { _ in 0 } }
        report.migrateSeconds = migrated.seconds
        report.rssAfterSetupMiB = Phase.peakRSSMiB()

        // a. Plan against the empty environment.
        let planned = try await Phase.profile("plan", say) {
            () async throws -> (PreparedPlan, Double, Double) in
            // As `tradu apply` plans: the records of new blocks are spooled for the apply as they are read.
            let read = try await Phase.measure {
                let spool = try await planner.withStore(for: resolved) {
                    try BlockSpool(known: try await $0.knownBlockHashes())
                }
                return (try await planner.readDatasets(resolved, spool: spool, erased: .none), spool)
            }
            let diff = try await Phase.measure {
                try await planner.withStore(for: resolved) { store in
                    try await planner.plan(
                        resolved, datasets: read.value.0, directory: directory, store: store, spool: read.value.1)
                }
            }
            return (diff.value, read.seconds, diff.seconds)
        }
        let prepared = planned.value.0
        report.plan = Measurement(
            seconds: planned.seconds, rssMiB: Phase.peakRSSMiB(), clientCPU: planned.clientCPU,
            serverCPU: planned.serverCPU)
        report.planReadSeconds = planned.value.1
        report.planDiffSeconds = planned.value.2
        report.blocks = prepared.blockPlan.toAdd
        report.records = prepared.datasets.reduce(0) { $0 + $1.recordCount }
        guard report.records == documents else {
            throw BenchFailure("the plan read \(report.records) records, expected \(documents)")
        }
        say(
            "plan: \(Format.seconds(planned.seconds)) (read+cut \(Format.seconds(planned.value.1)), diff"
                + " \(Format.seconds(planned.value.2))), \(report.blocks) blocks to add")

        // b. Apply the prepared plan: second read of the dataset, COPY of contents, blocks, revision.
        let applied = try await Phase.profile("apply", say) {
            try await planner.withStore(for: resolved) { store in
                try await applier.withLock(store, command: "bench", timeout: .seconds(30)) {
                    try await applier.write(
                        prepared, to: store,
                        options: ApplyService.Options(message: "tradu-bench", allowMassCancel: false))
                }
            }
        }
        guard let revision = applied.value else { throw BenchFailure("apply wrote nothing") }
        report.apply = Measurement(
            seconds: applied.seconds, rssMiB: Phase.peakRSSMiB(), clientCPU: applied.clientCPU,
            serverCPU: applied.serverCPU)
        say("apply: \(Format.seconds(applied.seconds)), revision \(revision.number)")

        // c. Re-plan the unchanged corpus: must be empty.
        let replanned = try await Phase.profile("re-plan", say) {
            let datasets = try await planner.readDatasets(resolved, erased: .none)
            return try await planner.withStore(for: resolved) { store in
                try await planner.plan(resolved, datasets: datasets, directory: directory, store: store)
            }
        }
        report.replan = Measurement(
            seconds: replanned.seconds, rssMiB: Phase.peakRSSMiB(), clientCPU: replanned.clientCPU,
            serverCPU: replanned.serverCPU)
        let again = replanned.value.blockPlan
        report.replanChanges = again.toAdd + again.toReprocess + again.toCancel
        report.replanUnchanged = again.unchanged
        if replanned.value.hasChanges || report.replanChanges != 0 {
            let message =
                "RE-PLAN OF THE UNCHANGED CORPUS IS NOT EMPTY: \(again.toAdd) to add, \(again.toReprocess) to"
                + " reprocess, \(again.toCancel) to cancel, manifests changed: \(replanned.value.manifestsChanged)"
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
            report.replanChanges = max(report.replanChanges, 1)
        }
        say("re-plan: \(Format.seconds(replanned.seconds)), \(report.replanChanges) changes")

        // d. Reference: raw COPY of the same JSONL lines, one per row.
        let connection = try await PostgresConnection.connect(url, logger: logger)
        let table = "\(schema).raw_docs"
        try await connection.execute("CREATE TABLE \(table) (line text)")
        let copied = try await Phase.profile("raw COPY", say) {
            try await connection.copyIn(sql: "COPY \(table) (line) FROM STDIN", rows: FileLines(path: dataPath))
        }
        await connection.close()
        guard copied.value == documents else {
            throw BenchFailure("raw COPY stored \(copied.value) rows, expected \(documents)")
        }
        report.rawCopy = Measurement(
            seconds: copied.seconds, rssMiB: Phase.peakRSSMiB(), clientCPU: copied.clientCPU,
            serverCPU: copied.serverCPU)
        say("raw COPY: \(Format.seconds(copied.seconds))")
    }

    static func manifests(schema: String) -> String {
        BenchManifests.project(
            schema: schema, blocks: "    maxRecords: 200\n    maxBytes: 256KiB", engineExtra: "  concurrency: 8")
    }
}

/// Wall-clock timing and peak memory.
enum Phase {
    static func measureSync<T>(_ body: () throws -> T) rethrows -> (value: T, seconds: Double) {
        let start = ContinuousClock.now
        let value = try body()
        return (value, (ContinuousClock.now - start).seconds)
    }

    static func measure<T>(_ body: () async throws -> T) async rethrows -> (value: T, seconds: Double) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, (ContinuousClock.now - start).seconds)
    }

    /// Seconds on CLOCK_MONOTONIC (the clock `perf record -k CLOCK_MONOTONIC` stamps samples with).
    static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// CPU seconds (user + system) of this process so far.
    static func clientCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// The postmaster whose processes `serverCPU` counts: the embedded server's, or a `--database-url` server's
    /// found running on this machine (nil: a server elsewhere, not counted).
    nonisolated(unsafe) static var postmaster: Int?

    /// CPU seconds (user + system) of the local server's `postgres` processes, from /proc: the server's share of
    /// a phase when the database is local.
    static func serverCPU() -> Double {
        guard let postmaster else { return 0 }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var total = 0.0
        for entry in entries where entry.first?.isNumber == true {
            guard let pid = Int(entry), let stat = ProcessStat(pid: pid), stat.command == "postgres",
                pid == postmaster || stat.parent == postmaster
            else { continue }
            total += stat.cpuSeconds
        }
        return total
    }

    /// The machine's CPU seconds by kind since boot, all cores summed (`/proc/stat`'s first line): `steal` is
    /// time the hypervisor gave to other guests while this one wanted to run, the first thing to read when two
    /// runs of the same work differ.
    static func machineCPU() -> (steal: Double, idle: Double, iowait: Double) {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return (0, 0, 0) }
        // cpu user nice system idle iowait irq softirq steal ...
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count > 7 else { return (0, 0, 0) }
        return (fields[7] / ticks, fields[3] / ticks, fields[4] / ticks)
    }

    /// Runs `body` and reports wall time, this process's CPU time, the local postgres processes' CPU time, and
    /// the machine's stolen, idle and I/O-wait time over the phase.
    static func profile<T>(_ name: String, _ say: (String) -> Void, _ body: () async throws -> T) async rethrows
        -> (value: T, seconds: Double, clientCPU: Double, serverCPU: Double)
    {
        let (startClient, startServer, startMachine, start) = (clientCPU(), serverCPU(), machineCPU(), monotonic())
        let value = try await body()
        let end = monotonic()
        let (client, server, machine) = (clientCPU() - startClient, serverCPU() - startServer, machineCPU())
        say(
            String(
                format: "  [%@: monotonic %.3f-%.3f, wall %.2f s, client CPU %.2f s, postgres CPU %.2f s;"
                    + " machine: steal %.2f s, idle %.2f s, iowait %.2f s]", name, start, end, end - start, client,
                server, machine.steal - startMachine.steal, machine.idle - startMachine.idle,
                machine.iowait - startMachine.iowait))
        return (value, end - start, client, server)
    }

    /// Peak resident set size of this process so far (ru_maxrss is in KiB on Linux).
    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// glibc's `malloc_trim`, which the Glibc module does not export.
    @_silgen_name("malloc_trim") private static func mallocTrim(_ pad: Int) -> Int32

    /// Starts a phase's own peak: hands freed heap back to the system, then resets the kernel's high-water mark
    /// (`clear_refs` 5), so `phasePeakRSSMiB()` measures the phase and not the largest one before it.
    static func resetPeakRSS() {
        _ = mallocTrim(0)
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The high-water mark of resident memory since the last `resetPeakRSS()` (`VmHWM`); the running maximum
    /// where the kernel offers no reset.
    static func phasePeakRSSMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return peakRSSMiB() }
        return kib / 1024
    }
}
