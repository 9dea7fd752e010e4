import Foundation
import TraduCore
import TraduStore

/// What `tradu prune` deleted.
public struct PruneOutcome: Sendable, Equatable {
    public var events = 0
    public var cancelledResults = 0
    public var cancelledBlocks = 0
    public var contents = 0
    public var resultVersions = 0
    /// Marks of committers that have not committed for a day (`commit_marks`: stopped or dead workers').
    public var commitMarks = 0
    /// Batches run, each its own transaction.
    public var batches = 0
}

/// What `tradu erase` did.
public struct ErasureOutcome: Sendable, Equatable {
    public var documents = 0
    /// Documents found in at least one block content (an id never applied, or erased before, is only tombstoned).
    public var found = 0
    public var contents = 0
    public var results = 0
    public var memoryEntries = 0
}

extension OperatorService {
    /// Retention (`tradu prune`): events older than `retention.events`, results of cancelled blocks, cancelled
    /// blocks older than `retention.cancelledBlocks`, block contents no block references, and with `keepVersions`
    /// superseded result versions beyond the newest `keepVersions` of each block, and the commit marks of workers
    /// that have not committed for a day. Each delete is a batch of
    /// `retention.batchSize` rows in its own transaction. Holds the environment's apply lock, so no apply adds a
    /// block on a content being deleted. Recorded with who and why.
    public func prune(
        _ retention: Retention, keepVersions: Int? = nil, actor: String = Actor.current, reason: String,
        via: String = "cli", progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) async throws -> PruneOutcome {
        try await withStore { store in
            let lock = try await EnvironmentLock(store: store).acquire(
                holder: "\(actor) (prune)", host: ProcessInfo.processInfo.hostName,
                pid: ProcessInfo.processInfo.processIdentifier, ttl: .seconds(3600), waitUpTo: .seconds(30))
            do {
                var outcome = PruneOutcome()
                func walk(_ what: String, _ step: (String?) async throws -> PruneBatch) async throws -> Int {
                    var deleted = 0
                    var after: String?
                    repeat {
                        let batch = try await step(after)
                        deleted += batch.deleted
                        outcome.batches += 1
                        after = batch.next
                        progress(what, deleted)
                    } while after != nil
                    return deleted
                }
                let size = retention.batchSize
                outcome.events = try await walk("events") {
                    try await store.pruneEvents(olderThan: retention.events, after: $0, limit: size)
                }
                outcome.cancelledResults = try await walk("results of cancelled blocks") {
                    try await store.pruneCancelledResults(after: $0, limit: size)
                }
                outcome.cancelledBlocks = try await walk("cancelled blocks") {
                    try await store.pruneCancelledBlocks(olderThan: retention.cancelledBlocks, after: $0, limit: size)
                }
                outcome.contents = try await walk("block contents") {
                    try await store.pruneUnreferencedContents(after: $0, limit: size)
                }
                if let keepVersions {
                    outcome.resultVersions = try await walk("superseded result versions") {
                        try await store.pruneResultVersions(keep: keepVersions, after: $0, limit: size)
                    }
                }
                outcome.commitMarks = try await store.pruneCommitMarks(olderThan: .seconds(86_400))
                try await store.recordOperatorAction(
                    "prune", pipeline: nil, actor: actor, reason: reason, via: via,
                    detail: "events older than \(retention.events), cancelled blocks older than"
                        + " \(retention.cancelledBlocks): \(outcome.events) events, \(outcome.cancelledResults) results"
                        + " of cancelled blocks, \(outcome.cancelledBlocks) cancelled blocks, \(outcome.contents)"
                        + " contents, \(outcome.resultVersions) result versions, \(outcome.commitMarks) commit marks,"
                        + " in \(outcome.batches) batches")
                _ = try await EnvironmentLock(store: store).release(lock)
                return outcome
            } catch {
                _ = try? await EnvironmentLock(store: store).release(lock)
                throw error
            }
        }
    }

    /// Erases documents `ids` of `dataset` everywhere this environment holds their text: block contents, every
    /// result version, the translation-memory entries their text produced under any spec the environment ever
    /// applied, and (at their next write) the sinks. Each document is one transaction (`Store.erase`). Records who
    /// and why, and how many documents, never which: the audit must not keep what was erased.
    ///
    /// A tombstone keeps every later plan from bringing a document back while it is still in the source.
    public func erase(
        dataset: String, ids: [String], actor: String = Actor.current, reason: String, via: String = "cli"
    ) async throws -> ErasureOutcome {
        try await withStore { store in
            let store = try await reporting(store)
            let producers = try await memoryProducers(of: dataset, in: store)
            guard !producers.isEmpty else {
                throw TraduError.notFound(
                    "no revision applied to \(environment) has a pipeline on dataset '\(dataset)'")
            }
            var outcome = ErasureOutcome()
            for id in Set(ids).sorted() {
                var keys: Set<String> = []
                for content in try await store.contents(holding: DocumentKey(documentID: id))
                where content.dataset == dataset {
                    guard let text = Self.text(of: id, in: content.records) else { continue }
                    for producer in producers {
                        keys.formUnion(
                            TranslationMemoryKey.keys(
                                documentID: id, text: text, pipeline: producer.pipeline,
                                engineSpecHash: producer.engineSpecHash, sourceLanguage: producer.sourceLanguage))
                    }
                }
                let counts = try await store.erase(dataset: dataset, id: id, memoryKeys: keys)
                outcome.documents += 1
                outcome.found += counts.found ? 1 : 0
                outcome.contents += counts.contents
                outcome.results += counts.results
                outcome.memoryEntries += counts.memoryEntries
            }
            try await store.recordOperatorAction(
                "erase", pipeline: nil, actor: actor, reason: reason, via: via,
                detail: "\(outcome.documents) document\(outcome.documents == 1 ? "" : "s") of dataset '\(dataset)'")
            return outcome
        }
    }

    /// What a translation-memory key of the dataset's text depends on, for every pipeline on it in every revision
    /// ever applied (memory outlives a spec change).
    private func memoryProducers(of dataset: String, in store: Store) async throws -> [MemoryProducer] {
        var producers: Set<MemoryProducer> = []
        for revision in try await store.revisions() {
            let resolved = try AppliedManifests.decode(revision, environment: environment).resolved
            for pipeline in resolved.pipelines.values where pipeline.dataset == dataset {
                guard let engine = resolved.engines[pipeline.engine], let source = resolved.datasets[dataset]
                else { continue }
                let spec = ProcessingSpec(pipeline: pipeline, engine: engine, dataset: source)
                producers.insert(
                    MemoryProducer(
                        pipeline: pipeline, engineSpecHash: TranslationMemoryKey.engineSpecHash(spec),
                        sourceLanguage: source.sourceLanguage))
            }
        }
        return producers.sorted { $0.engineSpecHash < $1.engineSpecHash }
    }

    /// The text of document `id` in a content's JSON Lines.
    static func text(of id: String, in records: String) -> String? {
        for line in records.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["id"] as? String == id
            else { continue }
            return object["text"] as? String
        }
        return nil
    }
}

/// A pipeline as far as its translation-memory keys go.
private struct MemoryProducer: Hashable {
    var pipeline: Pipeline
    var engineSpecHash: String
    var sourceLanguage: String
}
