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
        let service = try await operatorService(global, manifests, environment.environment, command: "history")
        let revisions = try await reporting { try await service.history(limit: limit) }
        let spend = try await reporting { try await service.spendByRevision() }
        switch output {
        case .json:
            Console.out(
                HistoryPresenter.json(revisions, environment: environment.environment, spend: spend)
                    .encoded(pretty: true))
        case .text:
            Console.out(HistoryPresenter.text(revisions, environment: environment.environment, spend: spend))
        }
    }
}
