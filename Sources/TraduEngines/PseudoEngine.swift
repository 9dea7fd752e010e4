import TraduCore

/// The built-in `pseudo` engine: pseudo-localization (see `PseudoLocalizer`), offline and deterministic, for
/// demos, tests and benchmarks. It never fails.
public struct PseudoEngine: TranslationEngine {
    public init() {}

    public func translate(_ request: TranslationRequest) async throws(BlockFailure) -> TranslationResponse {
        var translations = [String: String](minimumCapacity: request.segments.count)
        var inputBytes = 0
        var outputBytes = 0
        for segment in request.segments {
            let translation = PseudoLocalizer.localize(segment.text, targetLanguage: request.targetLanguage)
            translations[segment.id] = translation
            inputBytes += segment.text.utf8.count
            outputBytes += translation.utf8.count
        }
        // No tokenizer here: estimate a token per 4 bytes, as a rough stand-in for a real model's count.
        return TranslationResponse(
            translations: translations, inputTokens: (inputBytes + 3) / 4, outputTokens: (outputBytes + 3) / 4)
    }
}
