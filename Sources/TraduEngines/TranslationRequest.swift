/// A batch of segments to translate from one language to another in one engine call.
public struct TranslationRequest: Sendable {
    /// Segment ids must be unique within the request.
    public var segments: [TranslationSegment]
    public var sourceLanguage: String
    public var targetLanguage: String

    public init(segments: [TranslationSegment], sourceLanguage: String, targetLanguage: String) {
        self.segments = segments
        self.sourceLanguage = sourceLanguage
        self.targetLanguage = targetLanguage
    }
}
