/// One version of a block's result, as an analysis compares it.
public struct ResultVersion: Sendable, Hashable {
    public struct Record: Sendable, Hashable {
        public var id: String
        public var source: String
        public var translation: String

        public init(id: String, source: String, translation: String) {
            self.id = id
            self.source = source
            self.translation = translation
        }
    }

    public var inputTokens: Int64
    public var outputTokens: Int64
    /// Segments served from the translation memory: their tokens were never spent.
    public var memoryHits: Int
    public var records: [Record]

    public init(inputTokens: Int64, outputTokens: Int64, memoryHits: Int, records: [Record]) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.memoryHits = memoryHits
        self.records = records
    }

    public var tokens: Int64 { inputTokens + outputTokens }
}

/// A block of a rollout's sample: how it ended under the new spec, and its two results.
public struct RolloutSampleBlock: Sendable, Hashable {
    public var blockID: String
    /// Its state after the step: `completed` or `failed` once final (`cancelled` blocks are left out).
    public var state: BlockState
    public var errorClass: String?
    /// The result under the new spec (nil unless completed).
    public var canary: ResultVersion?
    /// The block's current result, under the previous spec.
    public var baseline: ResultVersion?

    public init(
        blockID: String, state: BlockState, errorClass: String? = nil, canary: ResultVersion? = nil,
        baseline: ResultVersion? = nil
    ) {
        self.blockID = blockID
        self.state = state
        self.errorClass = errorClass
        self.canary = canary
        self.baseline = baseline
    }
}

/// What the optional `check` program said.
public struct CheckVerdict: Sendable, Hashable {
    public var passed: Bool
    public var message: String

    public init(passed: Bool, message: String) {
        self.passed = passed
        self.message = message
    }
}

/// One measured figure against its limit.
public struct RolloutFigure: Sendable, Hashable {
    /// `maxFailedRatio`, `maxDataErrorRatio`, `maxTokenRatio`, `maxLengthDrift` or `check`.
    public var metric: String
    /// nil when nothing could be measured (no block qualifies): not a failure.
    public var measured: Double?
    public var limit: Double?
    public var passed: Bool
    /// How it was measured, or the check's message.
    public var note: String

    public init(metric: String, measured: Double?, limit: Double?, passed: Bool, note: String) {
        self.metric = metric
        self.measured = measured
        self.limit = limit
        self.passed = passed
        self.note = note
    }

    /// `maxDataErrorRatio 0.3 > 0`, `check: glossary term "Konto" missing`.
    public var failureText: String {
        if metric == "check" { return "check: \(note)" }
        return "\(metric) \(Self.format(measured)) > \(Self.format(limit))"
    }

    public static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        if value == value.rounded(), abs(value) < 1e12 { return String(Int(value)) }
        return String((value * 10_000).rounded() / 10_000)
    }
}

/// The verdict of one analysis.
public struct RolloutVerdict: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case passed
        /// The first figure that broke its limit.
        case failed(RolloutFigure)
        /// Too few blocks for a verdict: a person decides.
        case inconclusive(String)
    }

    public var outcome: Outcome
    public var figures: [RolloutFigure]
    /// Final blocks the figures were measured on.
    public var blocks: Int

    public init(outcome: Outcome, figures: [RolloutFigure], blocks: Int) {
        self.outcome = outcome
        self.figures = figures
        self.blocks = blocks
    }

    public var passed: Bool { outcome == .passed }

    /// `passed`, `maxDataErrorRatio 0.3 > 0`, or the inconclusive reason.
    public var summary: String {
        switch outcome {
        case .passed: "passed"
        case .failed(let figure): figure.failureText
        case .inconclusive(let reason): reason
        }
    }
}

/// The analysis of a rollout step: the new spec's results against the current ones *of the same blocks*.
/// Pure: the caller reads the sample and runs the check program.
///
/// Every figure, precisely (docs/ROLLOUTS.md repeats them):
/// - the sample is every block the rollout reprocessed up to this step; a block counts by its final state
///   after retries; cancelled blocks are left out;
/// - `maxFailedRatio`: failed blocks / final blocks;
/// - `maxDataErrorRatio`: blocks failed with a `data` error (placeholder or markup loss, malformed or missing
///   answers) / final blocks;
/// - `maxTokenRatio`: Σ new tokens / Σ current tokens (input + output), over completed blocks whose two results
///   were both made entirely by an engine (no memory hit on either side): the same records on both sides, so
///   it is the ratio of tokens per record, and memory hits never make the old spec look cheaper;
/// - `maxLengthDrift`: the median over records of |characters(new) / characters(current) − 1|, over records
///   of completed blocks with a non-empty current translation.
public enum RolloutAnalysis {
    public static func evaluate(
        _ analysis: RolloutSpec.Analysis, sample: [RolloutSampleBlock], check: CheckVerdict? = nil
    ) -> RolloutVerdict {
        let final = sample.filter { $0.state == .completed || $0.state == .failed }
        var figures: [RolloutFigure] = []
        let total = Double(final.count)
        let failed = final.filter { $0.state == .failed }
        if let limit = analysis.maxFailedRatio {
            let ratio = total > 0 ? Double(failed.count) / total : nil
            figures.append(
                RolloutFigure(
                    metric: "maxFailedRatio", measured: ratio, limit: limit, passed: (ratio ?? 0) <= limit,
                    note: "\(failed.count) of \(final.count) blocks failed"))
        }
        if let limit = analysis.maxDataErrorRatio {
            let data = failed.filter { $0.errorClass == ErrorClass.data.rawValue }.count
            let ratio = total > 0 ? Double(data) / total : nil
            figures.append(
                RolloutFigure(
                    metric: "maxDataErrorRatio", measured: ratio, limit: limit, passed: (ratio ?? 0) <= limit,
                    note: "\(data) of \(final.count) blocks failed with a data error"))
        }
        let pairs = final.compactMap { block -> (ResultVersion, ResultVersion)? in
            guard block.state == .completed, let canary = block.canary, let baseline = block.baseline else {
                return nil
            }
            return (canary, baseline)
        }
        if let limit = analysis.maxTokenRatio {
            let engineMade = pairs.filter { $0.0.memoryHits == 0 && $0.1.memoryHits == 0 }
            let new = engineMade.reduce(Int64(0)) { $0 + $1.0.tokens }
            let old = engineMade.reduce(Int64(0)) { $0 + $1.1.tokens }
            let ratio = old > 0 ? Double(new) / Double(old) : nil
            figures.append(
                RolloutFigure(
                    metric: "maxTokenRatio", measured: ratio, limit: limit, passed: (ratio ?? 0) <= limit,
                    note: ratio == nil
                        ? "not measured: no block whose both results were made by the engine"
                        : "\(new) new tokens / \(old) current tokens over \(engineMade.count) blocks"))
        }
        if let limit = analysis.maxLengthDrift {
            var drifts: [Double] = []
            for (canary, baseline) in pairs {
                let current = Dictionary(
                    baseline.records.map { ($0.id, $0.translation) }, uniquingKeysWith: { first, _ in first })
                for record in canary.records {
                    guard let old = current[record.id], !old.isEmpty else { continue }
                    let ratio = Double(record.translation.unicodeScalars.count) / Double(old.unicodeScalars.count)
                    drifts.append(abs(ratio - 1))
                }
            }
            let median = Self.median(drifts)
            figures.append(
                RolloutFigure(
                    metric: "maxLengthDrift", measured: median, limit: limit, passed: (median ?? 0) <= limit,
                    note: "median over \(drifts.count) records"))
        }
        if let check {
            figures.append(
                RolloutFigure(
                    metric: "check", measured: nil, limit: nil, passed: check.passed, note: check.message))
        }
        if final.count < analysis.minBlocks {
            return RolloutVerdict(
                outcome: .inconclusive(
                    "only \(final.count) final blocks, fewer than minBlocks \(analysis.minBlocks): promote or abort"
                        + " by hand"), figures: figures, blocks: final.count)
        }
        if let broken = figures.first(where: { !$0.passed }) {
            return RolloutVerdict(outcome: .failed(broken), figures: figures, blocks: final.count)
        }
        return RolloutVerdict(outcome: .passed, figures: figures, blocks: final.count)
    }

    /// The median (mean of the two middle values for an even count), nil for none.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
