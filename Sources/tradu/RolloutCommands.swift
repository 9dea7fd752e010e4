import ArgumentParser
import TraduApp
import TraduCore

/// `tradu rollout`: canary rollouts of processing-spec changes (DESIGN §3c).
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "See and steer the canary rollouts of processing-spec changes.",
        discussion: """
            A pipeline with a `rollout:` block takes a processing-spec change (model, prompt, temperature) in steps:
            the leading controller reprocesses a deterministic sample, analyses it against the current results of
            the same blocks, and moves on, or rolls back by itself. Current results stay what export and sinks
            serve until the rollout completes. See docs/ROLLOUTS.md.
            """,
        subcommands: [
            RolloutStatusCommand.self, RolloutPromoteCommand.self, RolloutAbortCommand.self,
            RolloutRetryCommand.self,
        ])
}

struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "The step, every analysis's figures against their limits, and the verdict.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Argument(help: "Only this pipeline.") var pipeline: String?
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "rollout status")
        let service = RolloutService(directory: manifests.directory, resolver: resolver, logger: logger)
        let reports = try await reporting {
            try await service.status(environment: environment.environment, pipeline: pipeline)
        }
        switch output {
        case .json:
            Console.out(RolloutPresenter.json(reports, environment: environment.environment).encoded(pretty: true))
        case .text: Console.out(RolloutPresenter.text(reports, environment: environment.environment))
        }
    }
}

/// What `promote`, `abort` and `retry` share: the pipeline, and why.
struct RolloutActionOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Argument(help: "The pipeline whose rollout to act on.") var pipeline: String
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded with the rollout's history.")
    var message: String

    func act(_ request: RolloutService.Request, command: String) async throws {
        let (resolver, logger) = global.bootstrap(command: "rollout \(command)")
        let service = RolloutService(directory: manifests.directory, resolver: resolver, logger: logger)
        let actor = Actor.current
        let (state, revision) = try await reporting {
            try await service.act(
                request, environment: environment.environment, pipeline: pipeline, message: message, by: actor)
        }
        var text = "Rollout of \(pipeline) in \(environment.environment): \(state.phase.rawValue)"
        if state.isActive { text += ", step \(state.step + 1)" }
        if let revision { text += "; recorded revision \(revision)" }
        Console.out(text + ".")
    }
}

struct RolloutPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Skip the remaining analyses: reprocess every block under the new spec, then complete.")
    @OptionGroup var options: RolloutActionOptions

    func run() async throws { try await options.act(.promote, command: "promote") }
}

struct RolloutAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Roll back to the previous spec now (recorded as a revision); the new results stay for inspection.")
    @OptionGroup var options: RolloutActionOptions

    func run() async throws { try await options.act(.abort, command: "abort") }
}

struct RolloutRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "A fresh analysis on the same sample, from the first step (a rolled-back spec runs again).")
    @OptionGroup var options: RolloutActionOptions

    func run() async throws { try await options.act(.retry, command: "retry") }
}
