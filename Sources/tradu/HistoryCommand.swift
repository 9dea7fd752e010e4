import ArgumentParser
import TraduApp
import TraduCore

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List the revisions applied to an environment, newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    @Option(help: "Show at most this many revisions.")
    var limit = 50

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "history")
        let service = PlanService(resolver: resolver, logger: logger)
        let revisions = try await reporting {
            let resolved = try service.compile(directory: manifests.directory, environment: environment.environment)
            return try await service.withStore(for: resolved) { try await $0.revisions(limit: limit) }
        }
        switch output {
        case .json:
            Console.out(HistoryPresenter.json(revisions, environment: environment.environment).encoded(pretty: true))
        case .text:
            Console.out(HistoryPresenter.text(revisions, environment: environment.environment))
        }
    }
}
