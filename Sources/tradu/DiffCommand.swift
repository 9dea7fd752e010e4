import ArgumentParser
import TraduApp
import TraduCore

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the manifests (after overrides) with the applied revision, field by field.",
        discussion: "Exit codes with --detailed-exitcode: 0 no changes, 1 error, 2 changes present."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var detailed: DetailedExitCode

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "diff")
        let service = PlanService(resolver: resolver, logger: logger)
        let (changes, revision) = try await reporting {
            let resolved = try service.compile(directory: manifests.directory, environment: environment.environment)
            let latest = try await service.withStore(for: resolved) { try await $0.latestRevision() }
            let applied = try latest.map { try JSONText.parse($0.manifests, name: "revision \($0.number)") }
            return (ManifestDiff.compare(old: applied, new: CanonicalManifests.json(resolved)), latest?.number)
        }
        switch output {
        case .json:
            Console.out(
                DiffPresenter.json(changes, environment: environment.environment, revision: revision).encoded(
                    pretty: true))
        case .text:
            Console.out(DiffPresenter.text(changes, environment: environment.environment, revision: revision))
        }
        try detailed.exit(hasChanges: !changes.isEmpty)
    }
}
