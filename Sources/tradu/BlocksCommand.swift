import ArgumentParser
import Logging
import TraduApp
import TraduCore
import TraduStore

/// Opens the environment's store for an operator command and closes it afterwards.
func withOperatorStore<T: Sendable>(
    _ global: GlobalOptions, _ manifests: ManifestOptions, _ environment: String, command: String,
    _ body: @Sendable (Store) async throws -> T
) async throws -> T {
    let (resolver, logger) = global.bootstrap(command: command)
    return try await reporting {
        let target = try await EnvironmentTarget.resolve(
            directory: manifests.directory, environment: environment, resolver: resolver, logger: logger)
        let store = try await target.storeFactory(logger: logger)()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
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
        @Option(help: "created, claimed, enqueued, in_process, completed, failed or cancelled.") var state: String?
        @Option(help: "Only this pipeline.") var pipeline: String?
        @Option(help: "capacity, dependency, data, infrastructure or logic.") var errorClass: String?
        @Option(help: "At most this many.") var limit = 100
        @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat =
            .text

        func validate() throws {
            if let state, BlockState(rawValue: state) == nil {
                throw ValidationError(
                    "unknown state '\(state)'" + Suggestion.didYouMean(state, in: BlockState.allCases.map(\.rawValue)))
            }
            if let errorClass, ErrorClass(rawValue: errorClass) == nil {
                throw ValidationError(
                    "unknown error class '\(errorClass)'"
                        + Suggestion.didYouMean(errorClass, in: ErrorClass.allCases.map(\.rawValue)))
            }
        }

        func run() async throws {
            let (state, pipeline, errorClass, limit) = (self.state, self.pipeline, self.errorClass, self.limit)
            let blocks = try await withOperatorStore(global, manifests, environment.environment, command: "blocks list")
            {
                try await $0.listBlocks(state: state, pipeline: pipeline, errorClass: errorClass, limit: limit)
            }
            switch output {
            case .json:
                for block in blocks {
                    Console.out(
                        JSONValue.object([
                            ("formatVersion", .int(1)), ("id", .string(block.id)),
                            ("pipeline", .string(block.pipeline)),
                            ("language", .string(block.targetLanguage)), ("state", .string(block.state)),
                            ("attempt", .int(block.attempt)),
                            ("errorClass", block.errorClass.map { .string($0) } ?? .null),
                            ("lastError", block.lastError.map { .string($0) } ?? .null),
                            ("updatedAt", .string(block.updatedAt)),
                        ]).encoded())
                }
            case .text:
                var table = TextTable(["BLOCK", "PIPELINE", "LANG", "STATE", "ATTEMPT", "ERROR"])
                for block in blocks {
                    let error = block.errorClass.map { "\($0): \(block.lastError ?? "")" } ?? ""
                    table.append([
                        String(block.id.prefix(12)), block.pipeline, block.targetLanguage, block.state,
                        String(block.attempt), error,
                    ])
                }
                Console.out(table.rendered)
                Console.out("\(blocks.count) block\(blocks.count == 1 ? "" : "s")")
            }
        }
    }
}

/// `tradu retry` and `tradu cancel`: by block ids, or by pipeline and state.
struct BlockSelection: ParsableArguments {
    @Argument(help: "Block ids (full or as listed).") var blocks: [String] = []
    @Option(help: "Every block of this pipeline...") var pipeline: String?
    @Option(help: "...in this state.") var state: String?

    func validate() throws {
        if blocks.isEmpty && pipeline == nil {
            throw ValidationError("name blocks, or --pipeline P (with --state S)")
        }
        if let state, BlockState(rawValue: state) == nil {
            throw ValidationError(
                "unknown state '\(state)'" + Suggestion.didYouMean(state, in: BlockState.allCases.map(\.rawValue)))
        }
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Send failed (or cancelled) blocks back to the queue with a fresh retry budget."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var selection: BlockSelection

    func run() async throws {
        let (ids, pipeline, state) = (selection.blocks, selection.pipeline, selection.state)
        let count = try await withOperatorStore(global, manifests, environment.environment, command: "retry") { store in
            if !ids.isEmpty { return try await store.retryBlocks(ids: ids) }
            return try await store.retryBlocks(pipeline: pipeline!, states: [state ?? "failed"])
        }
        Console.out("\(count) block\(count == 1 ? "" : "s") sent back to the queue.")
    }
}

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel blocks; a worker holding one stops at its next heartbeat.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var selection: BlockSelection

    func run() async throws {
        let (ids, pipeline, state) = (selection.blocks, selection.pipeline, selection.state)
        let count = try await withOperatorStore(global, manifests, environment.environment, command: "cancel") {
            store in
            if !ids.isEmpty { return try await store.cancelBlocks(ids: ids, reason: "cancelled by an operator") }
            let states = state.map { [$0] } ?? ["created", "claimed", "enqueued", "in_process", "failed"]
            return try await store.cancelBlocks(pipeline: pipeline!, states: states)
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
        let (pipeline, directory) = (self.pipeline, self.to)
        let written = try await withOperatorStore(global, manifests, environment.environment, command: "export") {
            try await ResultExporter().export(from: $0, pipeline: pipeline, to: directory)
        }
        for file in written { Console.out("\(file.path): \(file.records) records from \(file.blocks) blocks") }
        if written.isEmpty { Console.out("No results yet.") }
    }
}
