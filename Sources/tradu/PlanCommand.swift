import ArgumentParser
import TraduApp
import TraduCore

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the block plan: what applying the manifests would add, reprocess, re-cut and cancel.",
        discussion: "Exit codes with --detailed-exitcode: 0 no changes, 1 error, 2 changes present."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @OptionGroup var detailed: DetailedExitCode

    @Option(help: "Save the plan to this file for `tradu apply FILE`.")
    var out: String?

    @Option(
        name: [.customShort("o"), .customLong("output")], help: "text, json, or markdown (a pull-request comment).")
    var output: PlanOutputFormat = .text

    @Option(help: "With -o markdown: the artifact a truncated comment points to (default: the --out file).")
    var artifact: String?

    @Option(help: "Changes listed per pipeline and kind of change (the rest is counted).")
    var listLimit = 10

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "plan")
        let service = PlanService(resolver: resolver, logger: logger)
        let prepared = try await reporting {
            try await service.prepare(
                directory: manifests.directory, environment: environment.environment, progress: Progress.records)
        }
        Progress.clear()
        let presenter = PlanPresenter(listLimit: listLimit)
        switch output {
        case .json: Console.out(presenter.json(prepared).encoded(pretty: true))
        case .text: Console.out(presenter.text(prepared))
        case .markdown:
            Console.out(
                String(PlanMarkdown(listLimit: listLimit, artifact: artifact ?? out).render(prepared).dropLast()))
        }
        if prepared.blockPlan.isMassCancel {
            Console.error(
                "warning: this plan cancels more than half of the environment's blocks; apply needs --allow-mass-cancel"
            )
        }
        if let out {
            try await reporting { try SavedPlan.write(prepared, to: out, presenter: presenter) }
            if output == .text { Console.out("\nSaved the plan to \(out). Apply exactly it with: tradu apply \(out)") }
        }
        try detailed.exit(hasChanges: prepared.hasChanges)
    }
}

/// `tradu plan -o`: the formats of every command, and markdown for pull-request comments.
enum PlanOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case markdown
}
