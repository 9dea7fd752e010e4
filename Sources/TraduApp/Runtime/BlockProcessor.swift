import Foundation
import TraduCore
import TraduEngines
import TraduStore

/// Processes one claimed block: cuts its documents into units (documents or sentences), reuses the translation
/// memory, sends the rest to the engine (at once, or as requests for a provider batch with `mode: batch`), checks
/// every document's translation, and produces the result records. Pure of the database: the worker commits what
/// it returns.
struct BlockProcessor: Sendable {
    enum Outcome: Sendable {
        case completed(CompletedBlock, memory: [(key: String, translation: String)])
        /// With the tokens the attempt used before it failed: the engine charged them all the same.
        case failed(BlockFailure, spent: Spent = Spent())
        /// `mode: batch`: the requests to send through the provider's Batch API; the block waits for their answers.
        case batched([NewBatchRequest])
    }

    /// Tokens an attempt used.
    struct Spent: Sendable, Hashable {
        var input = 0
        var output = 0
        /// Through a provider batch: priced at the batch discount.
        var batch = false
    }

    var runtime: PipelineRuntime

    /// - Parameter prepared: the block's units and memory keys, when the worker computed them already.
    func process(
        _ block: ClaimedBlock, instanceID: String, memory: [String: String], prepared: PreparedUnits? = nil
    ) async -> Outcome {
        var attempt: Attempt
        do {
            attempt = try Attempt(block, runtime: runtime, memory: memory, prepared: prepared)
        } catch {
            return .failed(error)
        }
        guard !attempt.misses.isEmpty else { return attempt.finish(instanceID: instanceID) }
        let translator: any TranslationEngine
        switch runtime.translator {
        case .success(let engine): translator = engine
        case .failure(let failure): return .failed(failure)
        }
        if runtime.engine.mode == .batch, let batchEngine = translator as? any BatchTranslationEngine {
            return attempt.batchRequests(batchEngine)
        }
        // The engine's gate admits the block, not each request: a block holds its place from its first request to
        // its last, one request at a time. Admitted request by request, every held block's next request queued
        // behind every other's, so all of them advanced together and each took as long as all of them: with more
        // blocks held than the engine's `concurrency`, each block's time ran past its `blockTimeout` together.
        guard let gate = runtime.requestGate else {
            return await send(&attempt, to: translator, instanceID: instanceID)
        }
        do {
            try await gate.enter(engine: runtime.engine.name)
        } catch {
            return attempt.failed(error)
        }
        let outcome = await send(&attempt, to: translator, instanceID: instanceID)
        await gate.leave()
        return outcome
    }

    /// Sends the attempt's requests in turn and finishes it; the latency metric is each request's own.
    private func send(_ attempt: inout Attempt, to translator: any TranslationEngine, instanceID: String) async
        -> Outcome
    {
        for batch in attempt.requests() {
            let labels = [("engine", runtime.engine.name), ("pipeline", attempt.block.pipeline)]
            let request = attempt.request(batch)
            do {
                let started = ContinuousClock.now
                let response = try await translator.translate(request)
                TraduMetrics.time(MetricNames.engineLatency, seconds: (ContinuousClock.now - started).seconds, labels)
                if let failure = attempt.take(response, for: batch) { return attempt.failed(failure) }
            } catch {
                TraduMetrics.count(MetricNames.engineErrors, 1, labels + [("class", error.errorClass.rawValue)])
                return attempt.failed(error)
            }
        }
        return attempt.finish(instanceID: instanceID)
    }

    /// Finishes an attempt whose requests went through a provider batch, from the answers recorded for them and
    /// the memory (for the units that were not sent).
    func finishBatched(_ block: ClaimedBlock, requests: [BatchRequestRow], memory: [String: String]) -> Outcome {
        var attempt: Attempt
        do {
            // The units the requests carried are the engine's, whatever memory learned since.
            attempt = try Attempt(
                block, runtime: runtime, memory: memory, sent: Set(requests.flatMap(\.segmentIDs)))
        } catch {
            return .failed(error)
        }
        attempt.batch = true
        guard case .success(let translator) = runtime.translator,
            let engine = translator as? any BatchTranslationEngine
        else {
            if case .failure(let failure) = runtime.translator { return .failed(failure) }
            return .failed(BlockFailure(.logic, "engine '\(runtime.engine.name)' cannot read batch answers"))
        }
        for row in requests {
            let indices = row.segmentIDs.compactMap { attempt.unitIndex[$0] }
            guard indices.count == row.segmentIDs.count else {
                return attempt.failed(
                    BlockFailure(.logic, "request \(row.customID) names segments the block does not have"))
            }
            switch row.outcome {
            case .pending:
                return attempt.failed(BlockFailure(.infrastructure, "request \(row.customID) has no answer yet"))
            case .failed:
                let errorClass = row.errorClass.flatMap(ErrorClass.init(rawValue:)) ?? .dependency
                return attempt.failed(
                    BlockFailure(errorClass, "provider batch, request \(row.customID): \(row.error ?? "failed")"))
            case .answered:
                do {
                    let response = try engine.batchAnswer(
                        status: row.status ?? 0, body: Array((row.body ?? "").utf8), for: attempt.request(indices))
                    if let failure = attempt.take(response, for: indices) { return attempt.failed(failure) }
                } catch {
                    return attempt.failed(error)
                }
            }
        }
        // Units not sent were memory hits at submission; memory only grows, so they are hits still.
        if let missing = attempt.translations.firstIndex(where: { $0 == nil }) {
            return attempt.failed(
                BlockFailure(
                    .infrastructure,
                    "\(attempt.units.units[missing]) has neither a batch answer nor a memory entry any more"))
        }
        return attempt.finish(instanceID: Store.providerBatchOwner)
    }

    /// The block's documents cut into what the engine translates.
    static func units(of block: ClaimedBlock, segmentation: Segmentation) throws(BlockFailure) -> TranslationUnits {
        TranslationUnits(try segments(of: block.records).map { ($0.id, $0.text) }, segmentation: segmentation)
    }

    /// The block's documents, from its stored JSON Lines.
    static func segments(of records: String) throws(BlockFailure) -> [TranslationSegment] {
        var records = records
        let segments = records.withUTF8 { bytes -> [TranslationSegment]? in
            var segments: [TranslationSegment] = []
            // Lines split on bytes: JSON escapes every control character, so a newline byte always ends a record.
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard let segment = segment(UnsafeBufferPointer(rebasing: line)) else { return nil }
                segments.append(segment)
            }
            return segments
        }
        guard let segments else { throw BlockFailure(.logic, "stored block contents are not valid JSON Lines") }
        return segments
    }

    /// One stored record: read by `FlatStringObject` (what tradu writes), or else by a general JSON parser.
    private static func segment(_ line: UnsafeBufferPointer<UInt8>) -> TranslationSegment? {
        if let members = FlatStringObject.members(line) {
            guard let id = members.last(where: { $0.key == "id" })?.value,
                let text = members.last(where: { $0.key == "text" })?.value
            else { return nil }
            return TranslationSegment(id: id, text: text)
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: line)) as? [String: Any],
            let id = object["id"] as? String, let text = object["text"] as? String
        else { return nil }
        return TranslationSegment(id: id, text: text)
    }
}

extension BlockProcessor {
    /// One attempt at a block: its units, what memory gave, what the engine answered so far, and the documents
    /// still to check.
    struct Attempt {
        let block: ClaimedBlock
        let runtime: PipelineRuntime
        let units: TranslationUnits
        let unitIndex: [String: Int]
        var translations: [String?]
        let keys: [String]
        /// Units memory did not hold: the engine translates them.
        let misses: [Int]
        let hits: Int
        var spent = Spent()
        /// Documents holding a unit the engine translated, not checked yet.
        var unchecked: [Int]
        var batch = false

        /// - Parameter sent: the ids of units already sent to the engine (a provider batch's): misses whatever
        ///   memory holds; nil: every unit memory lacks.
        init(
            _ block: ClaimedBlock, runtime: PipelineRuntime, memory: [String: String], sent: Set<String>? = nil,
            prepared given: PreparedUnits? = nil
        ) throws(BlockFailure) {
            self.block = block
            self.runtime = runtime
            let prepared: PreparedUnits
            if let given {
                prepared = given
            } else {
                prepared = try PreparedUnits(block, runtime: runtime)
            }
            units = prepared.units
            unitIndex = Dictionary(units.units.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
            var translations = [String?](repeating: nil, count: units.units.count)
            let keys = prepared.keys
            var misses: [Int] = []
            var hits = 0
            for (index, unit) in units.units.enumerated() {
                let key = keys[index]
                if let sent, sent.contains(unit.id) {
                    misses.append(index)
                } else if let known = memory[key] {
                    translations[index] = known
                    hits += 1
                } else {
                    misses.append(index)
                }
            }
            self.translations = translations
            self.keys = keys
            self.misses = misses
            self.hits = hits
            let translatedByEngine = Set(misses)
            let documents = units.documents
            unchecked = documents.indices.filter { document in
                documents[document].unitIndices.contains { translatedByEngine.contains($0) }
            }
        }

        /// The misses, in requests of at most `maxSegmentsPerRequest` units.
        func requests() -> [[Int]] {
            let size = max(runtime.engine.maxSegmentsPerRequest, 1)
            return stride(from: 0, to: misses.count, by: size).map { Array(misses[$0..<min($0 + size, misses.count)]) }
        }

        func request(_ indices: [Int]) -> TranslationRequest {
            TranslationRequest(
                segments: indices.map { TranslationSegment(id: units.units[$0].id, text: units.units[$0].text) },
                sourceLanguage: runtime.dataset.sourceLanguage, targetLanguage: block.targetLanguage)
        }

        /// The attempt's requests as lines of a provider batch's input file, named `<block>~<attempt>~<n>`.
        func batchRequests(_ engine: any BatchTranslationEngine) -> Outcome {
            var lines: [NewBatchRequest] = []
            for (number, indices) in requests().enumerated() {
                let customID = "\(block.id)~\(block.attempt)~\(number + 1)"
                do {
                    let line = try engine.batchLine(request(indices), customID: customID)
                    lines.append(
                        NewBatchRequest(
                            customID: customID, blockID: block.id, attempt: block.attempt,
                            segmentIDs: indices.map { units.units[$0].id }, line: line,
                            estimatedTokens: TokenEstimate.inputTokens(characters: Int64(line.utf8.count))))
                } catch {
                    return .failed(error)
                }
            }
            return .batched(lines)
        }

        /// Takes an engine's answer to the units `indices`; returns the failure it means, if any (a missing
        /// translation, a NUL, a document that fails its checks).
        mutating func take(_ response: TranslationResponse, for indices: [Int]) -> BlockFailure? {
            let labels = [("engine", runtime.engine.name), ("pipeline", block.pipeline)]
            TraduMetrics.count(MetricNames.engineTokens, response.inputTokens, labels + [("kind", "input")])
            TraduMetrics.count(MetricNames.engineTokens, response.outputTokens, labels + [("kind", "output")])
            spent.input += response.inputTokens
            spent.output += response.outputTokens
            for index in indices {
                let unit = units.units[index]
                guard let text = response.translations[unit.id] else {
                    return BlockFailure(.data, "the engine returned no translation for \(unit)")
                }
                // PostgreSQL text cannot hold NUL: refuse it here, named, rather than fail the commit.
                if text.containsNUL {
                    return BlockFailure(.data, "document \(unit): the translation contains a NUL character")
                }
                translations[index] = units.normalized(text)
            }
            return firstCheckFailure()
        }

        /// Checks the documents whose units are all translated now, so a bad answer stops the block before its
        /// next request; documents served wholly from memory passed their checks when first translated.
        mutating func firstCheckFailure() -> BlockFailure? {
            var stillUnchecked: [Int] = []
            defer { unchecked = stillUnchecked }
            for index in unchecked {
                let document = units.documents[index]
                guard document.unitIndices.allSatisfy({ translations[$0] != nil }) else {
                    stillUnchecked.append(index)
                    continue
                }
                if let problem = runtime.pipeline.checks.problem(
                    source: document.source, translation: units.translation(of: document, translations),
                    sourceLanguage: runtime.dataset.sourceLanguage, targetLanguage: block.targetLanguage)
                {
                    TraduMetrics.count(
                        MetricNames.outputCheckFailures, 1, [("pipeline", block.pipeline), ("check", problem.check)])
                    return BlockFailure(.data, "document \(document.id): \(problem.check): \(problem.message)")
                }
            }
            return nil
        }

        func failed(_ failure: BlockFailure) -> Outcome {
            var spent = spent
            spent.batch = batch
            return .failed(failure, spent: spent)
        }

        /// The completed block: every document reassembled, the memory it learned, its tokens and cost.
        mutating func finish(instanceID: String) -> Outcome {
            if let failure = firstCheckFailure() { return failed(failure) }
            let memoryLabels = [("pipeline", block.pipeline)]
            TraduMetrics.count(MetricNames.memoryHits, hits, memoryLabels)
            TraduMetrics.count(MetricNames.memoryMisses, misses.count, memoryLabels)
            let documents = units.documents.map { ($0, units.translation(of: $0, translations)) }
            var records = ""
            // Grown once: escapes aside, a record is its two texts and 24 bytes of keys and quotes.
            records.reserveCapacity(documents.reduce(0) { $0 + $1.0.id.utf8.count + $1.1.utf8.count + 24 })
            for (document, translation) in documents {
                // No copy of the source: the block's content holds it, and every reader of results merges it back
                // (`ResultRecords.withSources`), as the release before this one does too.
                records += "{\"id\":"
                JSONValue.appendQuoted(document.id, to: &records)
                records += ",\"translation\":"
                JSONValue.appendQuoted(translation, to: &records)
                records += "}\n"
            }
            // A block of one document translated as one unit: its result is the memory's entry for that unit.
            let standsAsMemory =
                misses == [0] && units.units.count == 1 && documents.count == 1
                && documents[0].1 == translations[0]
            let learned = (standsAsMemory ? [] : misses).map { (key: keys[$0], translation: translations[$0] ?? "") }
            var completed = CompletedBlock(
                id: block.id, attempt: block.attempt, instanceID: instanceID, pipeline: block.pipeline,
                targetLanguage: block.targetLanguage, records: records, inputTokens: spent.input,
                outputTokens: spent.output, memoryHits: hits)
            completed.segmentsTranslated = misses.count
            completed.segmentsReused = hits + units.repeats
            completed.revision = block.revision
            if standsAsMemory { completed.memoryKey = keys[0] }
            if let pricing = runtime.engine.pricing {
                completed.costMicros = pricing.micros(
                    input: Int64(spent.input), output: Int64(spent.output), batch: batch)
                completed.currency = pricing.currency
            }
            return .completed(completed, memory: learned)
        }
    }
}
