/// The translations of a request's segments, and what they cost.
public struct TranslationResponse: Sendable {
    /// The translation of every segment of the request, by segment id: never more, never fewer.
    public var translations: [String: String]
    /// Tokens the engine counted (or, for engines that do not count, an estimate; 0 when unknown).
    public var inputTokens: Int
    public var outputTokens: Int

    public init(translations: [String: String], inputTokens: Int, outputTokens: Int) {
        self.translations = translations
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}
