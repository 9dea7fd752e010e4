import ArgumentParser
import Foundation
import TraduApp
import TraduCore

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Promote the freight an environment validated to the next one, through its gates.",
        discussion: """
            Evaluates the target's gates (its Environment's `promotion` block) against the source's blocks for
            the source's latest revision (or --revision N / --freight ID), checks that the data on disk is what the
            freight ran and that the target's processing specs equal the source's, shows the target's plan and
            applies the freight, compiled with the target's overrides, under the target's lock.
            --rollback --freight ID goes back to a freight the target ran before (no source gates).
            Exit codes: 0 promoted or nothing to do; 1 error; 2 --dry-run with changes; 3 refused (a gate, parity,
            changed data, a rejected freight, a held lock).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions

    @Option(help: "The environment to promote into.")
    var to: String

    @Option(help: "The environment to promote from (default: the target's promotion.from).")
    var from: String?

    @Option(help: "The freight to promote (default: the one of the source's latest revision).")
    var freight: String?

    @Option(help: "The source's revision to promote (default: its latest).")
    var revision: Int64?

    @Flag(help: "Go back to --freight ID, a freight the target ran before: its gates were met then.")
    var rollback = false

    @Flag(help: "Evaluate and show the plan; write nothing (exit 2 when it would change the target).")
    var dryRun = false

    @Flag(help: "Promote without asking for confirmation.")
    var autoApprove = false

    @Flag(help: "Lift the hold a manual rollback put on auto-promotion, and do nothing else.")
    var resumeAuto = false

    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded with the promotion.")
    var message: String?

    @Option(help: "How long to wait for the target's lock (e.g. 30s, 0 to fail at once).")
    var lockTimeout = "30s"

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: OutputFormat = .text

    @Option(help: "Changes listed per pipeline and kind of change.")
    var listLimit = 10

    func validate() throws {
        guard DurationValue(parsing: lockTimeout) != nil else {
            throw ValidationError("--lock-timeout: invalid duration '\(lockTimeout)'; \(DurationValue.syntaxHint)")
        }
        if rollback && freight == nil { throw ValidationError("--rollback needs --freight ID") }
        if rollback && (message ?? "").isEmpty { throw ValidationError("--rollback needs -m MSG: say why") }
        if rollback && (from != nil || revision != nil) {
            throw ValidationError("--rollback takes the freight from the target's own history: drop --from/--revision")
        }
        if freight != nil && revision != nil { throw ValidationError("give --freight or --revision, not both") }
    }

    func run() async throws {
        let (resolver, logger) = global.bootstrap(command: "promote")
        let actor = Actor.current
        if resumeAuto {
            let service = ReleaseService(directory: manifests.directory, resolver: resolver, logger: logger)
            let hold = try await reporting { try await service.resumeAutoPromotion(environment: to, by: actor) }
            Console.out(
                hold.map {
                    "Auto-promotion of \(to) resumed (it was held by \($0.by) at \($0.at), freight \($0.freightID))."
                }
                    ?? "Auto-promotion of \(to) was not held.")
            return
        }
        let request = PromoteUseCase.Request(
            directory: manifests.directory, target: to, source: from, sourceRevision: revision, freight: freight,
            rollback: rollback, dryRun: dryRun, lockTimeout: DurationValue(parsing: lockTimeout)!.duration,
            message: message, actor: actor)
        let useCase = PromoteUseCase(
            planner: PlanService(resolver: resolver, logger: logger), applier: ApplyService(logger: logger))
        let presenter = PromotionPresenter(plan: PlanPresenter(listLimit: listLimit))
        let (output, autoApprove, target) = (self.output, self.autoApprove, to)
        let outcome = try await reporting {
            try await useCase.run(request, progress: Progress.records) { evaluation in
                Progress.clear()
                if output == .text { Console.out(presenter.text(evaluation) + "\n") }
                return autoApprove || ApplyCommand.askForApproval(target, verb: "Promote to")
            }
        }
        Progress.clear()
        switch outcome {
        case .refused(let evaluation, let reasons, let promotion):
            switch output {
            case .json:
                Console.out(
                    presenter.json(
                        evaluation, outcome: "refused", reasons: reasons, promotion: promotion, revision: nil
                    )
                    .encoded(pretty: true))
            case .text:
                Console.out(presenter.text(evaluation) + "\n")
            }
            for reason in reasons { Console.error("refused: \(reason)") }
            if let promotion { Console.error("Recorded as refused promotion \(promotion) of \(to).") }
            throw ExitCode(3)
        case .dryRun(let evaluation):
            switch output {
            case .json:
                Console.out(
                    presenter.json(evaluation, outcome: "dry-run", reasons: [], promotion: nil, revision: nil)
                        .encoded(pretty: true))
            case .text:
                Console.out(presenter.text(evaluation))
                Console.out("\nEvery check passed. Dry run: nothing was written.")
            }
            if evaluation.preview.hasChanges { throw ExitCode(2) }
        case .promoted(let evaluation, let revision, let promotion):
            switch output {
            case .json:
                Console.out(
                    presenter.json(
                        evaluation, outcome: "promoted", reasons: [], promotion: promotion, revision: revision
                    ).encoded(pretty: true))
            case .text:
                if let revision {
                    let origin =
                        evaluation.rollback
                        ? "rollback to freight \(evaluation.freightID)"
                        : "promoted from \(evaluation.source ?? "?") rev \(evaluation.sourceRevision ?? 0)"
                    Console.out(
                        "Promotion complete: revision \(revision.number) of \(to), \(origin)"
                            + " (freight \(evaluation.freightID), promotion \(promotion)).")
                } else {
                    Console.out(
                        "Nothing to promote: \(to) already runs freight \(evaluation.freightID)"
                            + " (promotion \(promotion) recorded).")
                }
            }
        }
    }
}
