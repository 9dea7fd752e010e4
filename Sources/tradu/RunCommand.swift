import ArgumentParser
import Foundation
import Logging
import TraduApp
import TraduCore

/// Options shared by the commands that process blocks.
struct RunOptions: ParsableArguments {
    @Option(help: "Worker slots: blocks processed at once.")
    var concurrency = 4

    @Option(help: "How long a stopping worker lets running blocks finish before releasing them (e.g. 20s).")
    var shutdownGrace = "20s"

    @Option(help: "Serve /metrics, /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9464; port 0: any free port).")
    var metricsAddr: String?

    var grace: Duration {
        .milliseconds(DurationValue(parsing: shutdownGrace)?.milliseconds ?? 20_000)
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a controller and a worker pool in one process until every block is final.",
        discussion: "Exit codes: 0 every block completed; 4 some blocks failed; 1 error. --watch keeps running."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var run: RunOptions

    @Flag(help: "Keep running after every block is final (a long-lived deployment).")
    var watch = false

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "run")
        try await Self.execute(
            environment: environment.environment, directory: manifests.directory, resolver: resolver, logger: logger,
            options: run, watch: watch)
    }

    static func execute(
        environment: String, directory: String, resolver: DatabaseResolver, logger: Logger, options: RunOptions,
        watch: Bool
    ) async throws {
        let target = try await reporting {
            try await EnvironmentTarget.resolve(
                directory: directory, environment: environment, resolver: resolver, logger: logger)
        }
        let shutdown = ShutdownSignal()
        shutdown.installSignalHandlers()
        let runner = Runner(
            environment: environment,
            worker: WorkerSettings(concurrency: options.concurrency, shutdownGrace: options.grace),
            variables: ProcessEnvironment.snapshot, logger: logger, watch: watch)
        let ops = try await reporting {
            try await options.metricsAddr.asyncMap {
                try await OpsEndpoints.start(
                    address: $0, environment: environment, role: "run", shutdown: shutdown, logger: logger,
                    openStore: target.storeFactory(logger: logger))
            }
        }
        let bar = ProgressBar()
        let summary = try await reporting {
            try await runner.run(shutdown: shutdown, openStore: target.storeFactory(logger: logger)) { counts in
                bar.draw(counts)
            }
        }
        bar.finish()
        await ops?.stop()
        let exported = try await reporting {
            try await SinkExport.run(target: target, environment: environment, logger: logger)
        }
        let completed = summary.completed
        let failed = summary.failed
        Console.out(
            "Run finished: \(completed) blocks completed, \(failed) failed, \(summary.total("cancelled")) cancelled.")
        for file in exported { Console.out("  results: \(file.path) (\(file.records) records)") }
        if summary.undeliveredWebhooks > 0 {
            Console.out(
                "  \(summary.undeliveredWebhooks) webhook deliveries still pending; a controller keeps retrying them")
        }
        if exported.isEmpty && completed > 0 {
            Console.out("  results are in PostgreSQL; write them out with: tradu export -e \(environment) --to DIR")
        }
        if failed > 0 {
            Console.out("  see the failures with: tradu blocks list -e \(environment) --state failed")
            throw ExitCode(4)
        }
    }
}

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Apply the manifests (auto-approved) and run until every block is final: the one-command local run."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var run: RunOptions

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "up")
        let name = environment.environment
        let directory = manifests.directory
        let planner = PlanService(resolver: resolver, logger: logger)
        let applier = ApplyService(logger: logger)
        let presenter = PlanPresenter(listLimit: 0)
        let line: String = try await reporting {
            let resolved = try planner.compile(directory: directory, environment: name)
            let spool = try await planner.makeSpool(for: resolved)
            let datasets = try await planner.readDatasets(resolved, spool: spool, progress: Progress.records)
            Progress.clear()
            return try await planner.withStore(for: resolved) { store in
                try await applier.withLock(store, command: "up", timeout: .seconds(30)) {
                    let prepared = try await planner.plan(
                        resolved, datasets: datasets, directory: directory, store: store, spool: spool)
                    let revision = try await applier.write(
                        prepared, to: store, options: ApplyService.Options(message: "tradu up", allowMassCancel: false))
                    return revision.map { "Applied revision \($0.number): \(presenter.summaryLine(prepared))" }
                        ?? presenter.summaryLine(prepared)
                }
            }
        }
        Console.out(line)
        try await RunCommand.execute(
            environment: name, directory: directory, resolver: resolver, logger: logger, options: run, watch: false)
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker pool: claim, process and commit blocks until SIGTERM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var run: RunOptions

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "worker")
        let target = try await reporting {
            try await EnvironmentTarget.resolve(
                directory: manifests.directory, environment: environment.environment, resolver: resolver, logger: logger
            )
        }
        let shutdown = ShutdownSignal()
        shutdown.installSignalHandlers()
        let worker = Worker(
            settings: WorkerSettings(concurrency: run.concurrency, shutdownGrace: run.grace),
            environment: environment.environment, variables: ProcessEnvironment.snapshot, logger: logger,
            shutdown: shutdown, openStore: target.storeFactory(logger: logger))
        let ops = try await reporting {
            try await run.metricsAddr.asyncMap {
                try await OpsEndpoints.start(
                    address: $0, environment: environment.environment, role: "worker", shutdown: shutdown,
                    logger: logger, openStore: target.storeFactory(logger: logger))
            }
        }
        try await reporting { try await worker.run() }
        await ops?.stop()
    }
}

struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run a controller: leader election, scheduling, watchdogs and status, until SIGTERM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption

    @Option(help: "Leader lease (a standby takes over this long after the leader went silent).")
    var leaderLease = "10s"

    @Option(help: "Serve /metrics, /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9464; port 0: any free port).")
    var metricsAddr: String?

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "controller")
        let target = try await reporting {
            try await EnvironmentTarget.resolve(
                directory: manifests.directory, environment: environment.environment, resolver: resolver, logger: logger
            )
        }
        let shutdown = ShutdownSignal()
        shutdown.installSignalHandlers()
        let lease = DurationValue(parsing: leaderLease)?.milliseconds ?? 10_000
        let controller = Controller(
            settings: ControllerSettings(leaderLease: .milliseconds(lease)), environment: environment.environment,
            logger: logger, shutdown: shutdown, openStore: target.storeFactory(logger: logger))
        let ops = try await reporting {
            try await metricsAddr.asyncMap {
                try await OpsEndpoints.start(
                    address: $0, environment: environment.environment, role: "controller", shutdown: shutdown,
                    logger: logger, openStore: target.storeFactory(logger: logger))
            }
        }
        try await reporting { try await controller.run() }
        await ops?.stop()
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
