/// A Pipeline's `rollout:` block: how a change of its processing spec is rolled out (DESIGN §3c). Without it, a
/// spec change reprocesses every affected block at once.
public struct RolloutSpec: Sendable, Hashable {
    public enum OnFailure: String, Sendable, Hashable, CaseIterable {
        /// Back to the previous spec, recorded as a revision.
        case rollback
        /// Stop where it is, for a person to `tradu rollout promote` or `abort`.
        case pause
    }

    /// The gates every step's analysis checks. A nil limit is not checked.
    public struct Analysis: Sendable, Hashable {
        /// No verdict on fewer final blocks: a step smaller than this is raised to it.
        public var minBlocks: Int
        public var maxFailedRatio: Double?
        public var maxDataErrorRatio: Double?
        public var maxTokenRatio: Double?
        public var maxLengthDrift: Double?
        /// A program reading JSON Lines of (source, current, new) and printing a JSON verdict.
        public var check: [String]?
        public var checkTimeout: DurationValue

        public init(
            minBlocks: Int = 20, maxFailedRatio: Double? = 0.02, maxDataErrorRatio: Double? = 0,
            maxTokenRatio: Double? = nil, maxLengthDrift: Double? = nil, check: [String]? = nil,
            checkTimeout: DurationValue = .seconds(300)
        ) {
            self.minBlocks = minBlocks
            self.maxFailedRatio = maxFailedRatio
            self.maxDataErrorRatio = maxDataErrorRatio
            self.maxTokenRatio = maxTokenRatio
            self.maxLengthDrift = maxLengthDrift
            self.check = check
            self.checkTimeout = checkTimeout
        }
    }

    /// Cumulative shares of the changed blocks, increasing, the last one 1 (100%).
    public var steps: [Double]
    public var analysis: Analysis
    public var onFailure: OnFailure

    public init(steps: [Double], analysis: Analysis = Analysis(), onFailure: OnFailure = .rollback) {
        self.steps = steps
        self.analysis = analysis
        self.onFailure = onFailure
    }

    public var lastStep: Int { steps.count - 1 }

    /// How many of `population` blocks step `index` has reprocessed in all (cumulative): its share rounded
    /// up, at least `minBlocks`, at most the population. The last step takes every block.
    public func sampleSize(step index: Int, population: Int) -> Int {
        guard index < lastStep else { return population }
        let share = Int((steps[index] * Double(population)).rounded(.up))
        return min(population, max(share, analysis.minBlocks))
    }

    /// `5%`, `12.5%`, `100%`.
    public static func percentText(_ share: Double) -> String {
        let percent = share * 100
        return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
    }

    /// The spec as stored with a rollout, so the steps and limits it started with stay those it runs with.
    public var json: JSONValue {
        var analysisFields: [(String, JSONValue)] = [("minBlocks", .int(analysis.minBlocks))]
        if let value = analysis.maxFailedRatio { analysisFields.append(("maxFailedRatio", .double(value))) }
        if let value = analysis.maxDataErrorRatio { analysisFields.append(("maxDataErrorRatio", .double(value))) }
        if let value = analysis.maxTokenRatio { analysisFields.append(("maxTokenRatio", .double(value))) }
        if let value = analysis.maxLengthDrift { analysisFields.append(("maxLengthDrift", .double(value))) }
        if let check = analysis.check {
            analysisFields.append(("check", .object([("command", .array(check.map { .string($0) }))])))
        }
        analysisFields.append(("checkTimeoutMs", .int(Int(analysis.checkTimeout.milliseconds))))
        return .object([
            ("steps", .array(steps.map { .double($0) })), ("analysis", .object(analysisFields)),
            ("onFailure", .string(onFailure.rawValue)),
        ])
    }

    /// The inverse of `json`; nil when it is not one.
    public init?(json: JSONValue) {
        guard case .array(let steps)? = json["steps"], let analysis = json["analysis"] else { return nil }
        self.steps = steps.compactMap(\.doubleValue)
        let number = { (key: String) in analysis[key]?.doubleValue }
        var check: [String]?
        if case .array(let parts)? = analysis["check"]?["command"] { check = parts.compactMap(\.stringValue) }
        self.analysis = Analysis(
            minBlocks: Int(number("minBlocks") ?? 20), maxFailedRatio: number("maxFailedRatio"),
            maxDataErrorRatio: number("maxDataErrorRatio"), maxTokenRatio: number("maxTokenRatio"),
            maxLengthDrift: number("maxLengthDrift"), check: check,
            checkTimeout: DurationValue(milliseconds: Int64(number("checkTimeoutMs") ?? 300_000)))
        self.onFailure = json["onFailure"]?.stringValue.flatMap(OnFailure.init(rawValue:)) ?? .rollback
    }
}
