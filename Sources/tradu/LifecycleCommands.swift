import ArgumentParser
import TraduApp
import TraduCore

struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Retention: delete old events, cancelled blocks and what only they used, in bounded batches.",
        discussion: """
            Deletes, each delete a batch of --batch-size rows in its own transaction (so a prune never holds a long
            transaction and can be stopped at any time):
              - block events older than --events-older-than (a block's state and last error stay on its row);
              - the results of cancelled blocks (a cancelled block that comes back is translated again);
              - cancelled blocks cancelled longer ago than --cancelled-older-than;
              - block contents no block references any more;
              - with --keep N, superseded result versions beyond the newest N of each block (never during a
                rollout, and never results a webhook has still to deliver).
            Holds the environment's apply lock while it runs. Recorded in the audit with who and why.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(help: "Delete block events older than this.") var eventsOlderThan = "30d"
    @Option(help: "Delete blocks cancelled longer ago than this.") var cancelledOlderThan = "30d"
    @Option(help: "Result versions to keep per block, the current one included (at least 1).") var keep: Int?
    @Option(help: "Rows per delete (each its own transaction).") var batchSize = Retention.default.batchSize
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded in the audit with who did it.")
    var message: String

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1: the current result is always kept") }
        for (flag, value) in [("--events-older-than", eventsOlderThan), ("--cancelled-older-than", cancelledOlderThan)]
        where DurationValue(parsing: value) == nil {
            throw ValidationError("\(flag): invalid duration '\(value)'; \(DurationValue.syntaxHint)")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: "prune")
        let retention = Retention(
            events: DurationValue(parsing: eventsOlderThan)!,
            cancelledBlocks: DurationValue(parsing: cancelledOlderThan)!,
            batchSize: batchSize)
        let outcome = try await reporting {
            try await service.prune(retention, keepVersions: keep, reason: message) { what, deleted in
                Progress.line("prune: \(what): \(deleted) deleted")
            }
        }
        Progress.clear()
        Console.out(
            "Pruned \(environment.environment) in \(outcome.batches) batches: \(outcome.events) events older than"
                + " \(eventsOlderThan), \(outcome.cancelledResults) results of cancelled blocks,"
                + " \(outcome.cancelledBlocks) cancelled blocks, \(outcome.contents) unreferenced block contents"
                + (keep.map { ", \(outcome.resultVersions) result versions beyond the newest \($0)" } ?? "") + ".")
    }
}

struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase documents' text everywhere this environment holds it, and keep them out of later plans.",
        discussion: """
            Removes each document from the block contents that hold it and from every result version of their
            blocks, deletes the translation-memory entries its text produced (under every spec ever applied), and
            rewrites the sinks at their next write. A block a worker holds at that moment goes back to the queue
            and is translated again without the document. A tombstone (a hash of the dataset and the id, not the
            id) keeps later plans from bringing the document back while it is still in the source.
            The audit records who, why and how many documents, never which.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(help: "The dataset the documents belong to.") var dataset: String
    @Option(name: .customLong("id"), help: "A document id (repeat for several).") var ids: [String] = []
    @Option(name: [.customShort("m"), .customLong("message")], help: "Why; recorded in the audit with who did it.")
    var message: String

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("name at least one document with --id") }
        guard !message.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("-m/--message: say why; an erasure is recorded with who and why")
        }
    }

    func run() async throws {
        let service = try await operatorService(global, manifests, environment.environment, command: "erase")
        let outcome = try await reporting { try await service.erase(dataset: dataset, ids: ids, reason: message) }
        Console.out(
            "Erased \(outcome.documents) document\(outcome.documents == 1 ? "" : "s") of \(dataset) from"
                + " \(environment.environment): found in \(outcome.found), removed from \(outcome.contents) block"
                + " contents and \(outcome.results) results, \(outcome.memoryEntries) memory entries deleted.")
    }
}
