import ArgumentParser
import TraduApp
import TraduCore

struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a freight for promotion into an environment (its promotion.requireApproval gate).",
        discussion: """
            Recorded with who approved (TRADU_ACTOR, or user@host) and why. Unless the target sets
            promotion.allowSelfApproval, the approver must not be the one who promotes.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(help: "The freight to approve (see `tradu history` or `tradu promote --dry-run`).") var freight: String?
    @Option(help: "Or: the revision of the source environment whose freight to approve.") var revision: Int64?
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded with the approval.")
    var message: String

    func validate() throws {
        guard (freight == nil) != (revision == nil) else {
            throw ValidationError("name what to approve: --freight ID or --revision N (of the source), one of them")
        }
    }

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "approve")
        let service = ReleaseService(directory: manifests.directory, resolver: resolver, logger: logger)
        let actor = Actor.current
        let subject: ReleaseService.Subject = freight.map { .freight($0) } ?? .sourceRevision(revision!)
        let approved = try await reporting {
            try await service.approve(environment: environment.environment, subject, message: message, by: actor)
        }
        Console.out("Approved freight \(approved) for \(environment.environment) as \(actor).")
    }
}

/// `tradu reject` and `tradu unreject`: one shape, two verdicts.
struct VerdictOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @Option(
        name: [.customShort("e"), .customLong("env")],
        help: "Only these environments (repeatable; default: every environment of the manifests).")
    var environments: [String] = []
    @Option(help: "The freight.") var freight: String
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded with the verdict.")
    var message: String

    func record(_ kind: ReleaseService.Verdict, command: String) async throws -> [String] {
        let (resolver, logger) = global.bootstrap(command: command)
        let service = ReleaseService(directory: manifests.directory, resolver: resolver, logger: logger)
        let actor = Actor.current
        return try await reporting {
            try await service.judge(
                freight: freight, kind, message: message, by: actor, environments: environments)
        }
    }
}

struct RejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject", abstract: "Reject a freight: no environment will accept it in a promotion.")
    @OptionGroup var options: VerdictOptions

    func run() async throws {
        let written = try await options.record(.reject, command: "reject")
        Console.out("Rejected freight \(options.freight) in \(written.joined(separator: ", ")).")
    }
}

struct UnrejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unreject", abstract: "Withdraw the rejection of a freight.")
    @OptionGroup var options: VerdictOptions

    func run() async throws {
        let written = try await options.record(.unreject, command: "unreject")
        Console.out("Withdrew the rejection of freight \(options.freight) in \(written.joined(separator: ", ")).")
    }
}

struct PromotionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promotions", abstract: "List the promotions into an environment, with their gates, newest first.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text
    @Option(help: "Show at most this many promotions.") var limit = 50

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "promotions")
        let service = ReleaseService(directory: manifests.directory, resolver: resolver, logger: logger)
        let records = try await reporting {
            try await service.promotions(environment: environment.environment, limit: limit)
        }
        switch output {
        case .json:
            Console.out(PromotionPresenter.json(records, environment: environment.environment).encoded(pretty: true))
        case .text: Console.out(PromotionPresenter.text(records, environment: environment.environment))
        }
    }
}
