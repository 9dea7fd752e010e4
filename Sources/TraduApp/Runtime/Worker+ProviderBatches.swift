import Foundation
import TraduCore
import TraduEngines
import TraduStore

/// `mode: batch` (DESIGN §4, "Provider batches"): the worker hands blocks whose requests go through a provider's
/// Batch API over to `provider_batches`, and its batch loop drives every batch it owns (or adopts from a dead
/// worker): submits it once, polls it, downloads its output and error files, records each request's answer,
/// resubmits what an expired or cancelled batch left unanswered, and finishes the blocks whose answers are in.
extension Worker {
    /// Records the requests of blocks this worker processed for provider batches, split to respect each engine's
    /// limits (requests per batch, bytes per input file). Returns the blocks handed over. `token`: the commit's,
    /// the same on every try (`Store.complete`).
    func enterProviderBatches(
        _ batched: [(block: ClaimedBlock, requests: [NewBatchRequest])], _ store: Store, _ runtimes: PipelineRuntimes,
        token: UUID
    ) async throws -> Set<String> {
        var byEngine: [String: (engine: Engine, blocks: [[NewBatchRequest]])] = [:]
        for item in batched {
            guard let engine = runtimes.runtime(item.block.pipeline, specHash: item.block.specHash)?.engine else {
                continue
            }
            byEngine[engine.name, default: (engine, [])].blocks.append(item.requests)
        }
        var batches: [NewProviderBatch] = []
        var longestWindow = Duration.seconds(0)
        for (name, entry) in byEngine.sorted(by: { $0.key < $1.key }) {
            longestWindow = max(longestWindow, entry.engine.batch.completionWindow.duration)
            let split = ProviderBatchSplit.split(
                entry.blocks, limits: entry.engine.batch, bytes: { Int64($0.line.utf8.count) },
                tokens: \.estimatedTokens)
            for requests in split {
                batches.append(
                    NewProviderBatch(
                        submission: "tradu-\(environment)-\(UUID().uuidString.lowercased())", engine: name,
                        requests: requests))
            }
        }
        let handed = try await store.enterProviderBatches(
            batches, owner: identity.id, lease: batchLease(runtimes),
            holdFor: longestWindow + .seconds(3600), token: token)
        if !handed.isEmpty {
            logger.info(
                "blocks handed to provider batches",
                metadata: ["count": "\(handed.count)", "batches": "\(batches.count)"])
        }
        return handed
    }

    /// How long a batch stays leased to its driver without a renewal: three polls of the slowest engine (at least a
    /// second). Adopting a batch too early costs nothing: its creation is looked up by its submission key, and
    /// every later step is fenced by owner.
    func batchLease(_ runtimes: PipelineRuntimes) -> Duration {
        let poll =
            runtimes.pipelines.filter { $0.engine.mode == .batch }.map(\.engine.batch.pollInterval.duration)
            .max() ?? .seconds(30)
        return max(poll * 3, .seconds(1))
    }

    /// Drives provider batches until shutdown: every poll interval, the batches this worker owns or adopts, then
    /// the blocks whose answers are all in. Idle (one look a second at the manifests) while no engine uses batch
    /// mode.
    func batchLoop(_ openBatchStore: @escaping @Sendable () async throws -> Store) async throws {
        var store: Store?
        defer { if let store { Task { await store.close() } } }
        // The first poll waits one interval too: handovers of that time gather into one batch.
        var lastPoll = ContinuousClock.now
        while !shutdown.isRequested {
            try? await Task.sleep(for: .milliseconds(100))
            let runtimes = await state.currentRuntimes
            let engines = Dictionary(
                runtimes.pipelines.filter { $0.engine.mode == .batch }.map { ($0.engine.name, $0.engine) },
                uniquingKeysWith: { a, _ in a })
            guard let poll = engines.values.map(\.batch.pollInterval.duration).min(),
                ContinuousClock.now - lastPoll >= poll
            else { continue }
            lastPoll = ContinuousClock.now
            do {
                if store == nil { store = try await openBatchStore() }
                guard let store else { continue }
                for row in try await store.leaseProviderBatches(owner: identity.id, lease: batchLease(runtimes)) {
                    guard let engine = engines[row.engine] else { continue }
                    do {
                        try await drive(row, engine: engine, store, runtimes)
                    } catch let failure as BlockFailure {
                        // The provider's trouble: the batch keeps its state, and the next poll tries again.
                        logger.warning(
                            "provider batch call failed; retrying at the next poll",
                            metadata: [
                                "batch": "\(row.submission)", "error_class": "\(failure.errorClass.rawValue)",
                                "error": "\(failure.message)",
                            ])
                    }
                }
                try await finishAnsweredBlocks(store, runtimes)
            } catch let error as StoreError where error.isTransient {
                DatabaseTrouble.record(error, environment: environment, role: identity.role)
                try? await store?.recover()
            } catch {
                logger.warning("provider batch loop failed; retrying", metadata: ["error": "\(error)"])
                try? await store?.recover()
            }
        }
    }

    /// One step of one batch: submit it (once), or poll it and take in its answers when the provider is done.
    private func drive(_ row: ProviderBatchRow, engine: Engine, _ store: Store, _ runtimes: PipelineRuntimes)
        async throws
    {
        let api = try OpenAIBatchAPI(engine, environment: variables, httpClient: httpClient)
        let labels = [("env", environment), ("engine", engine.name)]
        switch row.phase {
        case .preparing:
            var row = row
            if !row.createAttempted,
                let gathered = try await store.gatherPreparingBatches(
                    into: row.id, owner: identity.id, limits: engine.batch)
            {
                row.requestCount = gathered.requests
                row.estimatedTokens = gathered.tokens
            }
            if let limit = engine.batch.maxEnqueuedTokens {
                let enqueued = try await store.enqueuedBatchTokens(engine: engine.name)
                if enqueued > 0, enqueued + row.estimatedTokens > limit {
                    logger.debug(
                        "provider batch waits for enqueued tokens",
                        metadata: ["batch": "\(row.submission)", "enqueued": "\(enqueued)", "limit": "\(limit)"])
                    return
                }
            }
            // A creation that was attempted may have happened: find it rather than pay for it twice.
            var created = row.createAttempted ? try await api.find(submission: row.submission) : nil
            var fileID: String?
            if created == nil {
                let lines = try await store.batchRequests(row.id).filter { $0.outcome == .pending }.map(\.line)
                guard !lines.isEmpty else { return }
                fileID = try await api.upload(lines.joined(separator: "\n") + "\n", filename: row.submission + ".jsonl")
                guard try await store.markBatchCreateAttempted(row.id, owner: identity.id) else { return }
                created = try await api.create(
                    fileID: fileID!, completionWindow: engine.batch.completionWindow, submission: row.submission)
            }
            guard let created else { return }
            if try await store.markBatchSubmitted(
                row.id, owner: identity.id, providerID: created.id, inputFileID: fileID)
            {
                TraduMetrics.count(MetricNames.providerBatches, 1, labels + [("status", "submitted")])
                logger.info(
                    "provider batch submitted",
                    metadata: [
                        "batch": "\(row.submission)", "provider_batch": "\(created.id)",
                        "requests": "\(row.requestCount)", "adopted": "\(row.createAttempted)",
                    ])
            }
        case .submitted:
            guard let providerID = row.providerID else { return }
            let batch = try await api.retrieve(providerID)
            guard batch.isEnded else { return }
            var answers: [BatchAnswer] = []
            for fileID in [batch.outputFileID, batch.errorFileID].compactMap({ $0 }) {
                answers += ProviderBatchFiles.answers(in: try await api.content(ofFile: fileID))
            }
            let pending = try await store.batchRequests(row.id).filter { $0.outcome == .pending }
            let answered = Set(answers.map(\.customID))
            let unanswered = pending.filter { !answered.contains($0.customID) }.map(\.customID)
            switch batch.status {
            case "failed":
                // The provider refused the input file as a whole (validation): every request fails with its reasons.
                let reasons = batch.errors.isEmpty ? "the batch failed" : batch.errors.joined(separator: "; ")
                answers += unanswered.map { .failed($0, errorClass: ErrorClass.logic.rawValue, error: reasons) }
            case "completed":
                answers += unanswered.map {
                    .failed(
                        $0, errorClass: ErrorClass.dependency.rawValue,
                        error: "the provider's batch \(providerID) completed without an answer for this request")
                }
            default:
                break  // expired, cancelled: the unanswered requests are resubmitted, never the answered ones
            }
            try await store.recordBatchAnswers(row.id, answers)
            let next = try await store.endProviderBatch(
                row.id, owner: identity.id, providerStatus: batch.status,
                note: batch.errors.isEmpty ? nil : batch.errors.joined(separator: "; "),
                resubmission: "tradu-\(environment)-\(UUID().uuidString.lowercased())", lease: batchLease(runtimes))
            TraduMetrics.count(MetricNames.providerBatches, 1, labels + [("status", batch.status)])
            logger.info(
                "provider batch ended",
                metadata: [
                    "batch": "\(row.submission)", "provider_batch": "\(providerID)", "status": "\(batch.status)",
                    "answers": "\(answers.count)", "resubmitted": "\(next == nil ? 0 : unanswered.count)",
                ])
        case .ended:
            return
        }
    }

    /// Finishes every block attempt in a provider batch whose requests all have their answer: completes it or
    /// fails it (retried as its policy says), fenced like any outcome. Level-triggered, so a worker that died
    /// after recording answers but before finishing their blocks is made good by the next pass of any worker.
    private func finishAnsweredBlocks(_ store: Store, _ runtimes: PipelineRuntimes) async throws {
        let ready = try await store.providerBatchBlocksReady(limit: 500)
        guard !ready.isEmpty else { return }
        let requests = Dictionary(grouping: try await store.batchRequests(blocks: ready), by: \.blockID)
        let blocks = try await store.blocksInProviderBatches(ready)
        let memory = try await lookupMemory(store, blocks, runtimes)
        var outcomes: [WorkOutcome] = []
        for block in blocks {
            guard let runtime = runtimes.runtime(block.pipeline, specHash: block.specHash) else { continue }
            let mine = (requests[block.id] ?? []).filter { $0.attempt == block.attempt }
            outcomes.append(
                WorkOutcome(
                    block: block,
                    result: BlockProcessor(runtime: runtime).finishBatched(block, requests: mine, memory: memory),
                    claimedAt: .now, owner: Store.providerBatchOwner))
        }
        try await commitRetrying(outcomes, store)
    }
}
