/// Dataset + engine + target languages + retry policy + timing + sinks: one unit of desired work.
public struct Pipeline: Sendable, Hashable {
    public enum Sink: Sendable, Hashable {
        case jsonl(path: String)
        case webhook(url: String, signingKey: SecretReference?)
    }

    public var name: String
    public var dataset: String
    public var engine: String
    public var targetLanguages: [String]
    /// nil means `RetryPolicy.default`.
    public var retryPolicy: String?
    public var leaseDuration: DurationValue
    public var heartbeatInterval: DurationValue
    public var blockTimeout: DurationValue
    public var priority: Int
    public var concurrency: Int?
    public var sinks: [Sink]
    public var suspended: Bool
    /// nil: a processing-spec change reprocesses every affected block at once.
    public var rollout: RolloutSpec?
    /// What every answer is checked for before its block completes.
    public var checks = OutputChecks()
    public var budget: Budget?
    /// What one engine segment is (processing spec: changing it reprocesses).
    public var segmentation: Segmentation = .document
}

extension Pipeline {
    static func decode(name: String, spec: Node, into diagnostics: inout [Diagnostic]) -> Pipeline {
        let reader = SpecReader(spec, ManifestShapes.pipeline)
        let lease = reader.object("lease")
        let pipeline = Pipeline(
            name: name, dataset: reader.string("dataset") ?? "", engine: reader.string("engine") ?? "",
            targetLanguages: reader.strings("targetLanguages") ?? [], retryPolicy: reader.string("retryPolicy"),
            leaseDuration: lease.duration("duration") ?? .seconds(60),
            heartbeatInterval: lease.duration("heartbeat") ?? .seconds(10),
            blockTimeout: reader.duration("blockTimeout") ?? .seconds(1800), priority: reader.int("priority") ?? 50,
            concurrency: reader.int("concurrency"),
            sinks: decodeSinks(reader.node("sinks")?.elements ?? [], into: &diagnostics),
            suspended: reader.bool("suspended") ?? false,
            rollout: reader.has("rollout") ? decodeRollout(reader.object("rollout"), into: &diagnostics) : nil,
            checks: decodeChecks(reader.object("checks"), into: &diagnostics),
            budget: reader.has("budget") ? Budget.decode(reader.object("budget")) : nil,
            segmentation: reader.string("segmentation").flatMap(Segmentation.init(rawValue:)) ?? .document)
        if pipeline.heartbeatInterval.milliseconds * 2 > pipeline.leaseDuration.milliseconds {
            diagnostics.append(
                Diagnostic(
                    at: lease.valueRange("heartbeat"),
                    "spec.lease.heartbeat (\(pipeline.heartbeatInterval)) must be at most half of spec.lease.duration"
                        + " (\(pipeline.leaseDuration)), or one late heartbeat loses the lease"))
        }
        if pipeline.blockTimeout < pipeline.leaseDuration {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("blockTimeout"),
                    "spec.blockTimeout (\(pipeline.blockTimeout)) must not be shorter than spec.lease.duration"
                        + " (\(pipeline.leaseDuration))"))
        }
        return pipeline
    }

    private static func decodeChecks(_ reader: SpecReader, into diagnostics: inout [Diagnostic]) -> OutputChecks {
        let defaults = OutputChecks()
        let ratio = reader.object("lengthRatio")
        let low = ratio.double("min") ?? defaults.lengthRatio!.lowerBound
        let high = ratio.double("max") ?? defaults.lengthRatio!.upperBound
        if low > high {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("lengthRatio"),
                    "spec.checks.lengthRatio.min (\(low)) must not exceed spec.checks.lengthRatio.max (\(high))"))
        }
        let untranslated = reader.object("untranslated")
        return OutputChecks(
            untranslated: untranslated.bool("enabled") ?? defaults.untranslated,
            untranslatedMinLetters: untranslated.int("minLetters") ?? defaults.untranslatedMinLetters,
            empty: reader.bool("empty") ?? defaults.empty,
            lengthRatio: ratio.bool("enabled") == false || low > high ? nil : low...high,
            placeholders: reader.bool("placeholders") ?? defaults.placeholders,
            markup: reader.bool("markup") ?? defaults.markup)
    }

    private static func decodeRollout(_ reader: SpecReader, into diagnostics: inout [Diagnostic]) -> RolloutSpec? {
        let texts = reader.strings("steps") ?? []
        let steps = texts.compactMap(StringRule.percentage)
        guard steps.count == texts.count, !steps.isEmpty else { return nil }
        if zip(steps, steps.dropFirst()).contains(where: { $0 >= $1 }) {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("steps"),
                    "spec.rollout.steps must increase: each is the cumulative share reprocessed (got"
                        + " \(texts.joined(separator: ", ")))"))
        }
        if steps.last != 1 {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("steps"),
                    "spec.rollout.steps must end at 100%, or the rollout never reprocesses every block (got"
                        + " \(texts.joined(separator: ", ")))"))
        }
        let analysis = reader.object("analysis")
        let check = analysis.has("check") ? analysis.object("check") : nil
        return RolloutSpec(
            steps: steps,
            analysis: RolloutSpec.Analysis(
                minBlocks: analysis.int("minBlocks") ?? 20, maxFailedRatio: analysis.double("maxFailedRatio") ?? 0.02,
                maxDataErrorRatio: analysis.double("maxDataErrorRatio") ?? 0,
                maxTokenRatio: analysis.double("maxTokenRatio"), maxLengthDrift: analysis.double("maxLengthDrift"),
                check: check?.strings("command"), checkTimeout: check?.duration("timeout") ?? .seconds(300)),
            onFailure: reader.string("onFailure").flatMap(RolloutSpec.OnFailure.init(rawValue:)) ?? .rollback)
    }

    private static func decodeSinks(_ nodes: [Node], into diagnostics: inout [Diagnostic]) -> [Sink] {
        nodes.enumerated().compactMap { index, node in
            let reader = SpecReader(node, ManifestShapes.sinkShape)
            let type = reader.string("type") ?? ""
            let fieldsFor = ["jsonl": ["path"], "webhook": ["url", "signingKeyFrom"]]
            for key in ["path", "url", "signingKeyFrom"] where reader.has(key) && !(fieldsFor[type] ?? []).contains(key)
            {
                diagnostics.append(
                    Diagnostic(at: reader.range(key), "spec.sinks[\(index)].\(key) does not apply to a \(type) sink"))
            }
            switch type {
            case "jsonl":
                guard let path = reader.string("path") else {
                    diagnostics.append(
                        Diagnostic(at: node.range, "spec.sinks[\(index)] of type jsonl needs 'path'"))
                    return nil
                }
                return .jsonl(path: path)
            default:
                guard let url = reader.string("url") else {
                    diagnostics.append(
                        Diagnostic(at: node.range, "spec.sinks[\(index)] of type webhook needs 'url'"))
                    return nil
                }
                return .webhook(url: url, signingKey: reader.secretReference("signingKeyFrom"))
            }
        }
    }
}

extension ManifestShapes {
    static var sinkShape: ObjectShape {
        guard case .object(let shape) = sink else { preconditionFailure("sink is an object") }
        return shape
    }
}
