import TraduCore

/// What a plan will cost, per engine: the text it sends (additions, re-cuts, reprocessing), its tokens in and out
/// (`TokenEstimate`), and their price when the engine declares `pricing`.
public struct CostEstimate: Sendable, Hashable {
    public var engine: String
    public var characters: Int64
    /// Of `characters`, those translation memory is expected to serve (repeats within the data, from the plan's
    /// sample; memory already held serves more): not sent, not paid.
    public var fromMemory: Int64 = 0
    public var inputTokens: Int64
    public var outputTokens: Int64
    /// nil without pricing.
    public var costMicros: Int64?
    public var currency: String?

    public static func of(_ prepared: PreparedPlan) -> [CostEstimate] {
        var byEngine: [String: CostEstimate] = [:]
        for changes in prepared.blockPlan.pipelines {
            guard let name = changes.engine else { continue }
            let pricing = prepared.environment.engines[name]?.pricing
            var estimate =
                byEngine[name]
                ?? CostEstimate(
                    engine: name, characters: 0, inputTokens: 0, outputTokens: 0, costMicros: pricing.map { _ in 0 },
                    currency: pricing?.currency)
            let segmentation = changes.desired?.pipeline.segmentation ?? .document
            let share =
                prepared.datasets.first { $0.dataset.name == changes.dataset }?.repetition
                .servedShare(segmentation) ?? 0
            for item in [changes.additions, changes.recuts, changes.reprocess].joined() {
                let served = Int64((Double(item.characterCount) * share).rounded())
                estimate.fromMemory += served
                let input = TokenEstimate.inputTokens(characters: item.characterCount - served)
                let output = Int64(
                    (Double(input) * TokenEstimate.outputRatio(target: item.targetLanguage, pricing: pricing)).rounded()
                )
                estimate.characters += item.characterCount
                estimate.inputTokens += input
                estimate.outputTokens += output
                if let pricing { estimate.costMicros! += pricing.micros(input: input, output: output) }
            }
            byEngine[name] = estimate
        }
        return byEngine.values.filter { $0.characters > 0 }.sorted { $0.engine < $1.engine }
    }

    /// `engine local: 2,870 characters, ~718 input + ~898 output tokens, ~0.0123 USD`.
    public var text: String {
        var line =
            "engine \(engine): \(NumberFormat.grouped(characters)) characters"
            + (fromMemory > 0
                ? " (~\(Int((Double(fromMemory) * 100 / Double(characters)).rounded()))% from memory: repeats in the data)"
                : "") + ", ~\(NumberFormat.grouped(inputTokens))"
            + " input + ~\(NumberFormat.grouped(outputTokens)) output tokens"
        if let costMicros, let currency { line += ", ~\(CostFormat.money(costMicros, currency))" }
        return line
    }

    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("characters", .int(Int(characters))), ("fromMemoryCharacters", .int(Int(fromMemory))),
            ("tokens", .int(Int(inputTokens))),
            ("inputTokens", .int(Int(inputTokens))), ("outputTokens", .int(Int(outputTokens))),
        ]
        if let costMicros, let currency {
            fields += [("cost", .double(Double(costMicros) / 1_000_000)), ("currency", .string(currency))]
        }
        return .object(fields)
    }
}
