/// One piece of text to translate, identified within its request.
public struct TranslationSegment: Sendable, Hashable {
    /// Unique within a request; the translation comes back under the same id.
    public var id: String
    public var text: String

    public init(id: String, text: String) {
        self.id = id
        self.text = text
    }
}
