import Foundation
import TraduCore
import TraduEngines
import TraduStore

/// Processes one claimed block: cuts its documents into units (documents or sentences), reuses the translation
/// memory, sends the rest to the engine in batches, checks every document's translation, and produces the result
/// records. Pure of the
/// database: the worker commits what it returns.
struct BlockProcessor: Sendable {
    enum Outcome: Sendable {
        case completed(CompletedBlock, memory: [(key: String, translation: String)])
        /// With the tokens the attempt used before it failed: the engine charged them all the same.
        case failed(BlockFailure, spent: Spent = Spent())
    }

    /// Tokens an attempt used.
    struct Spent: Sendable, Hashable {
        var input = 0
        var output = 0
    }

    var runtime: PipelineRuntime

    func process(_ block: ClaimedBlock, instanceID: String, memory: [String: String]) async -> Outcome {
        let units: TranslationUnits
        do {
            units = try Self.units(of: block, segmentation: runtime.pipeline.segmentation)
        } catch {
            return .failed(error)
        }
        var translations = [String?](repeating: nil, count: units.units.count)
        var keys: [String] = []
        var misses: [Int] = []
        var hits = 0
        for (index, unit) in units.units.enumerated() {
            let key = runtime.memoryKey(unit.text, target: block.targetLanguage)
            keys.append(key)
            if let known = memory[key] {
                translations[index] = known
                hits += 1
            } else {
                misses.append(index)
            }
        }
        var inputTokens = 0
        var outputTokens = 0
        func failed(_ failure: BlockFailure) -> Outcome {
            .failed(failure, spent: Spent(input: inputTokens, output: outputTokens))
        }
        // Documents are checked as soon as all their units are translated, so a bad answer stops the block before
        // its next request; documents served wholly from memory passed their checks when first translated.
        let translatedByEngine = Set(misses)
        var unchecked = units.documents.indices.filter { document in
            units.documents[document].unitIndices.contains { translatedByEngine.contains($0) }
        }
        func firstCheckFailure() -> BlockFailure? {
            var stillUnchecked: [Int] = []
            defer { unchecked = stillUnchecked }
            for index in unchecked {
                let document = units.documents[index]
                guard document.unitIndices.allSatisfy({ translations[$0] != nil }) else {
                    stillUnchecked.append(index)
                    continue
                }
                let translation = units.translation(of: document, translations)
                if let problem = runtime.pipeline.checks.problem(
                    source: document.source, translation: translation, sourceLanguage: runtime.dataset.sourceLanguage,
                    targetLanguage: block.targetLanguage)
                {
                    TraduMetrics.count(
                        MetricNames.outputCheckFailures, 1, [("pipeline", block.pipeline), ("check", problem.check)])
                    return BlockFailure(.data, "document \(document.id): \(problem.check): \(problem.message)")
                }
            }
            return nil
        }
        if !misses.isEmpty {
            let translator: any TranslationEngine
            switch runtime.translator {
            case .success(let engine): translator = engine
            case .failure(let failure): return .failed(failure)
            }
            let batchSize = max(runtime.engine.maxSegmentsPerRequest, 1)
            var start = 0
            while start < misses.count {
                let batch = Array(misses[start..<min(start + batchSize, misses.count)])
                start += batchSize
                let labels = [("engine", runtime.engine.name), ("pipeline", block.pipeline)]
                let started = ContinuousClock.now
                do {
                    let response = try await translator.translate(
                        TranslationRequest(
                            segments: batch.map {
                                TranslationSegment(id: units.units[$0].id, text: units.units[$0].text)
                            },
                            sourceLanguage: runtime.dataset.sourceLanguage, targetLanguage: block.targetLanguage))
                    let elapsed = ContinuousClock.now - started
                    TraduMetrics.time(
                        MetricNames.engineLatency,
                        seconds: elapsed.seconds,
                        labels)
                    TraduMetrics.count(MetricNames.engineTokens, response.inputTokens, labels + [("kind", "input")])
                    TraduMetrics.count(MetricNames.engineTokens, response.outputTokens, labels + [("kind", "output")])
                    inputTokens += response.inputTokens
                    outputTokens += response.outputTokens
                    for index in batch {
                        let unit = units.units[index]
                        guard let text = response.translations[unit.id] else {
                            return failed(BlockFailure(.data, "the engine returned no translation for \(unit)"))
                        }
                        // PostgreSQL text cannot hold NUL: refuse it here, named, rather than fail the commit.
                        if text.utf8.contains(0) {
                            return failed(
                                BlockFailure(.data, "document \(unit): the translation contains a NUL character"))
                        }
                        translations[index] = units.normalized(text)
                    }
                } catch {
                    TraduMetrics.count(MetricNames.engineErrors, 1, labels + [("class", error.errorClass.rawValue)])
                    return failed(error)
                }
                if let failure = firstCheckFailure() { return failed(failure) }
            }
        }
        let memoryLabels = [("pipeline", block.pipeline)]
        TraduMetrics.count(MetricNames.memoryHits, hits, memoryLabels)
        TraduMetrics.count(MetricNames.memoryMisses, misses.count, memoryLabels)
        var records = ""
        for document in units.documents {
            records += "{\"id\":"
            JSONValue.appendQuoted(document.id, to: &records)
            records += ",\"source\":"
            JSONValue.appendQuoted(document.source, to: &records)
            records += ",\"translation\":"
            JSONValue.appendQuoted(units.translation(of: document, translations), to: &records)
            records += "}\n"
        }
        let learned = misses.map { (key: keys[$0], translation: translations[$0] ?? "") }
        var completed = CompletedBlock(
            id: block.id, attempt: block.attempt, instanceID: instanceID, pipeline: block.pipeline,
            targetLanguage: block.targetLanguage, records: records, inputTokens: inputTokens,
            outputTokens: outputTokens, memoryHits: hits)
        completed.segmentsTranslated = misses.count
        completed.segmentsReused = hits + units.repeats
        if let pricing = runtime.engine.pricing {
            completed.costMicros = pricing.micros(input: Int64(inputTokens), output: Int64(outputTokens))
            completed.currency = pricing.currency
        }
        return .completed(completed, memory: learned)
    }

    /// The block's documents cut into what the engine translates.
    static func units(of block: ClaimedBlock, segmentation: Segmentation) throws(BlockFailure) -> TranslationUnits {
        TranslationUnits(try segments(of: block.records).map { ($0.id, $0.text) }, segmentation: segmentation)
    }

    /// The block's documents, from its stored JSON Lines.
    static func segments(of records: String) throws(BlockFailure) -> [TranslationSegment] {
        var segments: [TranslationSegment] = []
        for line in records.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let id = object["id"] as? String, let text = object["text"] as? String
            else {
                throw BlockFailure(.logic, "stored block contents are not valid JSON Lines")
            }
            segments.append(TranslationSegment(id: id, text: text))
        }
        return segments
    }
}
