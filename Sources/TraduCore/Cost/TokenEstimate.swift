/// Token estimates before anything runs: input tokens ≈ characters / 4 (English prose on GPT-style tokenizers),
/// output tokens = input tokens × a ratio by target language, which an engine's `pricing.outputRatio` overrides.
///
/// The ratios are rough, measured on GPT-style tokenizers with English sources: languages whose words are longer
/// or whose scripts tokenize into more pieces answer with more tokens than they were sent. They are estimates for
/// a budget's order of magnitude, not a bill: `tradu status` shows what was actually spent.
public enum TokenEstimate {
    public static let outputRatios: [String: Double] = [
        "en": 1.0, "de": 1.3, "fr": 1.25, "es": 1.2, "it": 1.2, "pt": 1.2, "nl": 1.25, "sv": 1.15, "da": 1.15,
        "nb": 1.15, "fi": 1.4, "pl": 1.4, "cs": 1.4, "tr": 1.4, "ru": 1.6, "uk": 1.6, "el": 1.8, "ar": 1.6,
        "he": 1.5, "hi": 2.0, "ja": 1.6, "ko": 1.6, "zh": 1.3, "th": 2.0, "vi": 1.4,
    ]
    /// For a target language not in the table.
    public static let defaultOutputRatio = 1.3

    public static func inputTokens(characters: Int64) -> Int64 { (characters + 3) / 4 }

    public static func outputRatio(target: String, pricing: Engine.Pricing?) -> Double {
        if let ratio = pricing?.outputRatio { return ratio }
        let primary = String(target.split(separator: "-").first ?? Substring(target))
        return outputRatios[primary] ?? defaultOutputRatio
    }
}
