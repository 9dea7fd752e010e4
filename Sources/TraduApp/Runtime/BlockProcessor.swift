import Foundation
import TraduCore
import TraduEngines
import TraduStore

/// Processes one claimed block: reuses the translation memory, sends the rest to the engine in batches,
/// checks every translation's placeholders and markup, and produces the result records. Pure of the
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
        let segments: [TranslationSegment]
        do {
            segments = try Self.segments(of: block.records)
        } catch {
            return .failed(error)
        }
        var translations: [String: String] = [:]
        var keys: [String: String] = [:]
        var misses: [TranslationSegment] = []
        var hits = 0
        for segment in segments {
            let key = runtime.memoryKey(segment.text, target: block.targetLanguage)
            keys[segment.id] = key
            if let known = memory[key] {
                translations[segment.id] = known
                hits += 1
            } else {
                misses.append(segment)
            }
        }
        var inputTokens = 0
        var outputTokens = 0
        func failed(_ failure: BlockFailure) -> Outcome {
            .failed(failure, spent: Spent(input: inputTokens, output: outputTokens))
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
                            segments: batch, sourceLanguage: runtime.dataset.sourceLanguage,
                            targetLanguage: block.targetLanguage))
                    let elapsed = ContinuousClock.now - started
                    TraduMetrics.time(
                        MetricNames.engineLatency,
                        seconds: elapsed.seconds,
                        labels)
                    TraduMetrics.count(MetricNames.engineTokens, response.inputTokens, labels + [("kind", "input")])
                    TraduMetrics.count(MetricNames.engineTokens, response.outputTokens, labels + [("kind", "output")])
                    inputTokens += response.inputTokens
                    outputTokens += response.outputTokens
                    for segment in batch {
                        guard let text = response.translations[segment.id] else {
                            return failed(BlockFailure(.data, "the engine returned no translation for \(segment.id)"))
                        }
                        if let problem = runtime.pipeline.checks.problem(
                            source: segment.text, translation: text, sourceLanguage: runtime.dataset.sourceLanguage,
                            targetLanguage: block.targetLanguage)
                        {
                            TraduMetrics.count(
                                MetricNames.outputCheckFailures, 1,
                                [("pipeline", block.pipeline), ("check", problem.check)])
                            return failed(
                                BlockFailure(.data, "document \(segment.id): \(problem.check): \(problem.message)"))
                        }
                        // PostgreSQL text cannot hold NUL: refuse it here, named, rather than fail the commit.
                        if text.utf8.contains(0) {
                            return failed(
                                BlockFailure(.data, "document \(segment.id): the translation contains a NUL character"))
                        }
                        translations[segment.id] = text
                    }
                } catch {
                    TraduMetrics.count(MetricNames.engineErrors, 1, labels + [("class", error.errorClass.rawValue)])
                    return failed(error)
                }
            }
        }
        let memoryLabels = [("pipeline", block.pipeline)]
        TraduMetrics.count(MetricNames.memoryHits, hits, memoryLabels)
        TraduMetrics.count(MetricNames.memoryMisses, misses.count, memoryLabels)
        var records = ""
        var learned: [(key: String, translation: String)] = []
        for segment in segments {
            let translation = translations[segment.id] ?? ""
            records += "{\"id\":"
            JSONValue.appendQuoted(segment.id, to: &records)
            records += ",\"source\":"
            JSONValue.appendQuoted(segment.text, to: &records)
            records += ",\"translation\":"
            JSONValue.appendQuoted(translation, to: &records)
            records += "}\n"
            if misses.contains(where: { $0.id == segment.id }), let key = keys[segment.id] {
                learned.append((key, translation))
            }
        }
        var completed = CompletedBlock(
            id: block.id, attempt: block.attempt, instanceID: instanceID, pipeline: block.pipeline,
            targetLanguage: block.targetLanguage, records: records, inputTokens: inputTokens,
            outputTokens: outputTokens, memoryHits: hits)
        if let pricing = runtime.engine.pricing {
            completed.costMicros = pricing.micros(input: Int64(inputTokens), output: Int64(outputTokens))
            completed.currency = pricing.currency
        }
        return .completed(completed, memory: learned)
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
