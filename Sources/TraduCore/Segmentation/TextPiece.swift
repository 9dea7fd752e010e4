/// One piece of a document split for translation: a sentence to translate, or the text between sentences
/// (whitespace, list markers, lines without letters), kept as written.
public struct TextPiece: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case sentence
        case gap
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}
