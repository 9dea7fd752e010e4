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
        let target = try await reporting {
            try await EnvironmentTarget.resolve(
                directory: manifests.directory, environment: environment.environment, resolver: resolver,
                logger: logger)
        }
        try await Self.execute(target: target, logger: logger, options: run, watch: watch)
    }

    static func execute(target: EnvironmentTarget, logger: Logger, options: RunOptions, watch: Bool) async throws {
        let environment = target.environment.name
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
        // Counting every block costs the database; only a terminal shows the counts.
        let progress: (@Sendable ([String: BlockCounts]) -> Void)? =
            Console.isStandardErrorTerminal ? { @Sendable counts in bar.draw(counts) } : nil
        let summary = try await reporting {
            try await runner.run(
                shutdown: shutdown, openStore: target.storeFactory(logger: logger), progress: progress)
        }
        bar.finish()
        await ops?.stop()
        let exported = summary.exported
        let completed = summary.completed
        let failed = summary.failed
        Console.out(
            "Run finished: \(completed) blocks completed, \(failed) failed, \(summary.total(.cancelled)) cancelled.")
        for (pipeline, segments) in summary.segments.sorted(by: { $0.key < $1.key }) {
            let unit = segments.unit == .sentence ? "sentences" : "documents"
            Console.out(
                "  \(pipeline): \(segments.translated) \(unit) translated, \(segments.reused) reused from memory or"
                    + " repeats")
        }
        for file in exported { Console.out("  results: \(file.path) (\(file.records) records)") }
        for (pipeline, reason) in summary.held.sorted(by: { $0.key < $1.key }) {
            let waiting = summary.counts[pipeline]?.count(of: .created) ?? 0
            Console.out("  \(pipeline): \(waiting) blocks wait, held by \(reason)")
        }
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

    @Flag(help: "Keep running after every block is final, as `tradu run --watch` does.")
    var watch = false

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "up")
        let presenter = PlanPresenter(listLimit: 0)
        let useCase = ApplyUseCase(
            planner: PlanService(resolver: resolver, logger: logger), applier: ApplyService(logger: logger))
        let request = ApplyUseCase.Request(
            directory: manifests.directory, environment: environment.environment, command: "up",
            options: ApplyService.Options(message: "tradu up", allowMassCancel: false))
        let outcome = try await reporting {
            try await useCase.run(request, progress: Progress.records) { _ in true }
        }
        Progress.clear()
        let summary = presenter.summaryLine(outcome.prepared)
        Console.out(outcome.revision.map { "Applied revision \($0.number): \(summary)" } ?? summary)
        try await RunCommand.execute(target: outcome.target, logger: logger, options: run, watch: watch)
    }
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker pool: claim, process and commit blocks until SIGTERM.")

    @OptionGroup var process: ProcessOptions
    @OptionGroup var run: RunOptions

    func run() async throws {
        let settings = WorkerSettings(concurrency: run.concurrency, shutdownGrace: run.grace)
        try await process.serve(role: "worker", metricsAddr: run.metricsAddr) { target, _, logger, shutdown in
            try await Worker(
                settings: settings, environment: target.environment.name, variables: ProcessEnvironment.snapshot,
                logger: logger, shutdown: shutdown, openStore: target.storeFactory(logger: logger)
            ).run()
        }
    }
}

struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run a controller: leader election, scheduling, watchdogs and status, until SIGTERM.")

    @OptionGroup var process: ProcessOptions

    @Option(help: "Leader lease (a standby takes over this long after the leader went silent).")
    var leaderLease = "10s"

    @Option(help: "Serve /metrics, /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9464; port 0: any free port).")
    var metricsAddr: String?

    @Option(
        help:
            "How often the leader tries auto-promotion, when the environment's promotion.auto is on (it reads the datasets under -f)."
    )
    var autoPromoteEvery = "30s"

    func validate() throws {
        guard DurationValue(parsing: autoPromoteEvery) != nil else {
            throw ValidationError("--auto-promote-every: invalid duration; \(DurationValue.syntaxHint)")
        }
    }

    func run() async throws {
        let settings = ControllerSettings(leaderLease: DurationValue(parsing: leaderLease)?.duration ?? .seconds(10))
        let interval = DurationValue(parsing: autoPromoteEvery)!.duration
        let directory = process.manifests.directory
        try await process.serve(role: "controller", metricsAddr: metricsAddr) { target, resolver, logger, shutdown in
            let promotion = AutoPromotion(
                useCase: PromoteUseCase(
                    planner: PlanService(resolver: resolver, logger: logger), applier: ApplyService(logger: logger)),
                directory: directory, target: target.environment.name, interval: interval)
            try await Controller(
                settings: settings, environment: target.environment.name, logger: logger, shutdown: shutdown,
                openStore: target.storeFactory(logger: logger), autoPromotion: promotion
            ).run()
        }
    }
}

/// What a long-running process (`worker`, `controller`) needs: where the environment is, logging, signals and
/// the ops endpoints.
struct ProcessOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption

    /// Runs `body` until SIGTERM or SIGINT, with `/metrics`, `/healthz` and `/readyz` on `metricsAddr`.
    func serve(
        role: String, metricsAddr: String?,
        _ body: (EnvironmentTarget, DatabaseResolver, Logger, ShutdownSignal) async throws -> Void
    ) async throws {
        let (resolver, logger) = global.bootstrap(command: role)
        let target = try await reporting {
            try await EnvironmentTarget.resolve(
                directory: manifests.directory, environment: environment.environment, resolver: resolver,
                logger: logger)
        }
        let shutdown = ShutdownSignal()
        shutdown.installSignalHandlers()
        let ops = try await reporting {
            try await metricsAddr.asyncMap {
                try await OpsEndpoints.start(
                    address: $0, environment: environment.environment, role: role, shutdown: shutdown,
                    logger: logger, openStore: target.storeFactory(logger: logger))
            }
        }
        try await reporting { try await body(target, resolver, logger, shutdown) }
        await ops?.stop()
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
