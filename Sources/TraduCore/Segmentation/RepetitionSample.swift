/// How much of a dataset repeats itself, as documents and as sentences: what translation memory will serve
/// without asking the engine, estimated by `tradu plan` from the dataset's first `limit` records.
///
/// A lower bound: memory the environment already holds (earlier runs, other datasets) serves more. Distinct
/// texts are remembered by a 64-bit hash, so memory stays small (a few MB for the default sample).
public struct RepetitionSample: Sendable, Hashable {
    public static let defaultLimit = 50_000

    public let limit: Int
    /// Whether sentences are counted too (a split per sampled record).
    public let splitsSentences: Bool
    public private(set) var records = 0
    public private(set) var documentCharacters: Int64 = 0
    public private(set) var repeatedDocumentCharacters: Int64 = 0
    public private(set) var sentenceCharacters: Int64 = 0
    public private(set) var repeatedSentenceCharacters: Int64 = 0
    public private(set) var sentences = 0
    public private(set) var repeatedSentences = 0
    private var seenDocuments = Set<Int>()
    private var seenSentences = Set<Int>()

    public init(limit: Int = RepetitionSample.defaultLimit, splitsSentences: Bool = false) {
        self.limit = limit
        self.splitsSentences = splitsSentences
    }

    public var isFull: Bool { records >= limit }

    public mutating func add(_ text: String) {
        guard records < limit else { return }
        records += 1
        let characters = Int64(text.unicodeScalarCount)
        documentCharacters += characters
        if !seenDocuments.insert(Self.hash(text)).inserted { repeatedDocumentCharacters += characters }
        guard splitsSentences else { return }
        for piece in SentenceSplitter.split(text) where piece.kind == .sentence {
            let length = Int64(piece.text.unicodeScalarCount)
            sentences += 1
            sentenceCharacters += length
            if !seenSentences.insert(Self.hash(piece.text)).inserted {
                repeatedSentences += 1
                repeatedSentenceCharacters += length
            }
        }
    }

    /// A hash of the text's UTF-8 bytes. Translation memory keys texts by their bytes, so two texts repeat here
    /// when memory would serve one for the other; a `String`'s own hash would also equate canonically equivalent
    /// texts (composed and decomposed accents), and normalizes every text to do so.
    static func hash(_ text: String) -> Int {
        var hasher = Hasher()
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }

    /// The share of the text to translate that memory serves, under `segmentation` (0 with an empty sample).
    public func servedShare(_ segmentation: Segmentation) -> Double {
        switch segmentation {
        case .document:
            documentCharacters == 0 ? 0 : Double(repeatedDocumentCharacters) / Double(documentCharacters)
        case .sentence where splitsSentences:
            // Whitespace, list markers and lines without letters are never sent either.
            documentCharacters == 0
                ? 0
                : Double(repeatedSentenceCharacters + documentCharacters - sentenceCharacters)
                    / Double(documentCharacters)
        case .sentence:
            0
        }
    }
}
