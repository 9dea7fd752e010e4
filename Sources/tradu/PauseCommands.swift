import ArgumentParser
import TraduApp

/// What `tradu pause` and `tradu resume` share: the pipeline, and why.
struct PauseOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(help: "The pipeline.") var pipeline: String
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded with who did it.")
    var message: String

    func set(_ paused: Bool, command: String) async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: command)
        let actor = Actor.current
        let changed = try await reporting {
            try await service.setPaused(paused, pipeline: pipeline, actor: actor, reason: message)
        }
        let state = paused ? "paused" : "running"
        Console.out(
            changed
                ? "Pipeline \(pipeline) in \(environment.environment) is \(state) (\(actor): \(message))."
                : "Pipeline \(pipeline) in \(environment.environment) was already \(state); nothing recorded.")
    }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop starting new blocks of a pipeline; nothing is cancelled, blocks in flight finish.",
        discussion: "Recorded with who (TRADU_ACTOR, or user@host) and why; `tradu status` shows it.")
    @OptionGroup var options: PauseOptions

    func run() async throws { try await options.set(true, command: "pause") }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Start scheduling a paused pipeline's blocks again.")
    @OptionGroup var options: PauseOptions

    func run() async throws { try await options.set(false, command: "resume") }
}
