import ArgumentParser
import Foundation
import TraduApp
import TraduCore

struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Apply the manifests (or a saved plan) to an environment, in one transaction.",
        discussion: """
            `tradu apply -e ENV` plans under the environment lock, shows the plan, asks for confirmation (or
            --auto-approve), writes it and records a revision. `tradu apply FILE` applies exactly a plan saved
            with `tradu plan --out FILE`, or refuses it (exit 3) if the environment moved since.
            A second apply of the same manifests changes nothing and records no revision.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions

    @Option(name: [.customShort("e"), .customLong("env")], help: "The environment (taken from FILE when given).")
    var environment: String?

    @Argument(help: "A plan saved with `tradu plan --out FILE`.")
    var planFile: String?

    @Flag(help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Option(name: [.customShort("m"), .customLong("message")], help: "A note recorded with the revision.")
    var message: String?

    @Option(help: "How long to wait for the environment lock (e.g. 30s).")
    var lockTimeout = "30s"

    @Flag(help: "Allow a plan that cancels more than half of the environment's blocks.")
    var allowMassCancel = false

    @Flag(help: "Apply to an environment that takes changes through promotions only; needs -m REASON.")
    var bypassPromotion = false

    @Option(help: "Changes listed per pipeline and kind of change.")
    var listLimit = 10

    func validate() throws {
        guard DurationValue(parsing: lockTimeout) != nil else {
            throw ValidationError("--lock-timeout: invalid duration '\(lockTimeout)'; \(DurationValue.syntaxHint)")
        }
        if planFile == nil && environment == nil { throw ValidationError("-e ENV is required (or a saved plan FILE)") }
        if bypassPromotion && (message ?? "").isEmpty {
            throw ValidationError("--bypass-promotion needs -m REASON: it is recorded with the revision")
        }
    }

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "apply")
        let saved = try await reporting { try planFile.map(SavedPlan.read) }
        if let saved, let environment, environment != saved.environment {
            Console.error("error: the saved plan is for environment '\(saved.environment)', not '\(environment)'")
            throw ExitCode(1)
        }
        let name = saved?.environment ?? environment!
        let presenter = PlanPresenter(listLimit: listLimit)
        let request = ApplyUseCase.Request(
            directory: saved?.manifestDirectory ?? manifests.directory, environment: name, saved: saved,
            command: "apply", lockTimeout: DurationValue(parsing: lockTimeout)!.duration,
            options: ApplyService.Options(
                message: bypassPromotion ? "bypassed promotion: \(message ?? "")" : message,
                allowMassCancel: allowMassCancel, bypassPromotion: bypassPromotion))
        let useCase = ApplyUseCase(
            planner: PlanService(resolver: resolver, logger: logger), applier: ApplyService(logger: logger))
        let autoApprove = self.autoApprove
        let outcome = try await reporting {
            try await useCase.run(request, progress: Progress.records) { prepared in
                Progress.clear()
                guard saved == nil else { return true }
                Console.out(presenter.text(prepared) + "\n")
                return autoApprove || Self.askForApproval(name)
            }
        }
        Progress.clear()
        guard let revision = outcome.revision else {
            Console.out(presenter.summaryLine(outcome.prepared))
            return
        }
        let plan = outcome.prepared.blockPlan
        Console.out(
            "Apply complete: revision \(revision.number) (serial \(revision.serial)) of \(name):"
                + " \(plan.toAdd) added, \(plan.toReprocess) to reprocess, \(plan.toCancel) cancelled.")
    }

    /// Terraform's rule: only the exact word "yes" approves.
    static func askForApproval(_ environment: String, verb: String = "Apply this plan to") -> Bool {
        guard Console.isInputTerminal else {
            Console.error("error: standard input is not a terminal: pass --auto-approve to apply without confirmation")
            return false
        }
        Console.errorInline("\(verb) \(environment)? Only 'yes' is accepted: ")
        return readLine()?.trimmingCharacters(in: .whitespaces) == "yes"
    }
}
