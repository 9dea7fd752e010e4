import ArgumentParser
import TraduApp
import TraduCore

/// The operator service for the environment a command names, or the failure printed as `reporting` does.
func operatorService(_ global: GlobalOptions, _ manifests: ManifestOptions, _ environment: String, command: String)
    async throws -> OperatorService
{
    let (resolver, logger) = global.bootstrap(command: command)
    return try await reporting {
        try await OperatorService.locate(
            directory: manifests.directory, environment: environment, resolver: resolver, logger: logger)
    }
}

struct BlocksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocks", abstract: "Inspect blocks.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List blocks, filtered by state, pipeline or error class.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var manifests: ManifestOptions
        @OptionGroup var environment: EnvironmentOption
        @Option(
            help: "created, claimed, enqueued, in_process, completed, failed or cancelled.",
            transform: BlockState.parseArgument)
        var state: BlockState?
        @Option(help: "Only this pipeline.") var pipeline: String?
        @Option(help: "capacity, dependency, data, infrastructure or logic.", transform: ErrorClass.parseArgument)
        var errorClass: ErrorClass?
        @Option(help: "At most this many.") var limit = 100
        @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat =
            .text

        func run() async throws {
            let service = try await operatorService(global, manifests, environment.environment, command: "blocks list")
            let filter = BlockFilter(state: state, pipeline: pipeline, errorClass: errorClass, limit: limit)
            let blocks = try await reporting { try await service.blocks(filter) }
            switch output {
            case .json: BlockPresenter.jsonLines(blocks).forEach(Console.out)
            case .text: Console.out(BlockPresenter.text(blocks))
            }
        }
    }
}

/// `tradu retry` and `tradu cancel`: by block ids, or by pipeline and state.
struct BlockSelectionOptions: ParsableArguments {
    @Argument(help: "Block ids (full or as listed).") var blocks: [String] = []
    @Option(help: "Every block of this pipeline...") var pipeline: String?
    @Option(help: "...in this state.", transform: BlockState.parseArgument) var state: BlockState?

    func validate() throws {
        if blocks.isEmpty && pipeline == nil {
            throw ValidationError("name blocks, or --pipeline P (with --state S)")
        }
    }

    var selection: BlockSelection {
        blocks.isEmpty ? .pipeline(pipeline!, state: state) : .ids(blocks)
    }
}

/// The options of `tradu retry` and `tradu cancel`: the environment and which blocks.
struct BlockActionOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var selection: BlockSelectionOptions
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded in the audit with who did it.")
    var message = ""

    func service(command: String) async throws -> OperatorService {
        try await operatorService(global, manifests, environment.environment, command: command)
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Send failed (or cancelled) blocks back to the queue with a fresh retry budget."
    )
    @OptionGroup var options: BlockActionOptions

    func run() async throws {
        let service = try await options.service(command: "retry")
        let count = try await reporting {
            try await service.retry(options.selection.selection, reason: options.message)
        }
        Console.out("\(count) block\(count == 1 ? "" : "s") sent back to the queue.")
    }
}

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel blocks; a worker holding one stops at its next heartbeat.")
    @OptionGroup var options: BlockActionOptions

    func run() async throws {
        let service = try await options.service(command: "cancel")
        let count = try await reporting {
            try await service.cancel(options.selection.selection, reason: options.message)
        }
        Console.out("\(count) block\(count == 1 ? "" : "s") cancelled.")
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write results as JSON Lines: DIR/<pipeline>/<language>.jsonl.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(help: "Only this pipeline.") var pipeline: String?
    @Option(help: "Output folder.") var to: String

    func run() async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: "export")
        let written = try await reporting { try await service.export(pipeline: pipeline, to: to) }
        for file in written { Console.out("\(file.path): \(file.records) records from \(file.blocks) blocks") }
        if written.isEmpty { Console.out("No results yet.") }
    }
}

/// An enum option by its raw value (a block state, an error class): an unknown one is named, with a
/// did-you-mean.
func parseOption<Value: RawRepresentable & CaseIterable>(_ text: String, named what: String) throws -> Value
where Value.RawValue == String {
    guard let value = Value(rawValue: text) else {
        throw ValidationError(
            "unknown \(what) '\(text)'" + Suggestion.didYouMean(text, in: Value.allCases.map(\.rawValue)))
    }
    return value
}

extension BlockState {
    static func parseArgument(_ text: String) throws -> BlockState { try parseOption(text, named: "state") }
}

extension ErrorClass {
    static func parseArgument(_ text: String) throws -> ErrorClass { try parseOption(text, named: "error class") }
}
