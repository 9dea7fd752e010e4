/// A block's documents cut into what an engine translates (units), each distinct text once, and how to put the
/// documents back together from the units' translations.
///
/// With `.document` a unit is a whole document, named by its id; with `.sentence` it is a sentence, named `s<n>`
/// in the block's order: ids travel in every request, and a short one costs fewer tokens than one built from a
/// document id. A text that occurs twice in the block is one unit: the
/// engine sees it once, and both documents get the same translation.
public struct TranslationUnits: Sendable {
    public struct Unit: Sendable, Hashable, CustomStringConvertible {
        public var id: String
        public var text: String
        /// The document it first occurs in.
        public var document: String

        /// `p-17`, or `s3 (a sentence of p-17)`: for error messages.
        public var description: String { id == document ? id : "\(id) (a sentence of \(document))" }
    }

    /// A document as pieces kept as written and units to translate.
    public struct Document: Sendable, Hashable {
        public enum Part: Sendable, Hashable {
            case verbatim(String)
            case unit(Int)
        }

        public var id: String
        public var source: String
        public var parts: [Part]

        /// The units the document needs, by index.
        public var unitIndices: [Int] {
            parts.compactMap { if case .unit(let index) = $0 { index } else { nil } }
        }
    }

    public let segmentation: Segmentation
    public private(set) var units: [Unit] = []
    public private(set) var documents: [Document] = []
    /// Occurrences of a unit after its first in the block: translated once, used again.
    public private(set) var repeats = 0

    public init(_ documents: [(id: String, text: String)], segmentation: Segmentation) {
        self.segmentation = segmentation
        // Filled from the second unit on: a block of one unit (most blocks of one document) never hashes its
        // text, which for text beyond ASCII means normalising it first.
        var indexByText: [String: Int] = [:]
        func unit(_ text: String, id: @autoclosure () -> String, document: String) -> Int {
            if units.count == 1, indexByText.isEmpty { indexByText[units[0].text] = 0 }
            if !indexByText.isEmpty, let index = indexByText[text] {
                repeats += 1
                return index
            }
            units.append(Unit(id: id(), text: text, document: document))
            if units.count > 1 { indexByText[text] = units.count - 1 }
            return units.count - 1
        }
        for document in documents {
            var parts: [Document.Part] = []
            switch segmentation {
            case .document:
                parts = [.unit(unit(document.text, id: document.id, document: document.id))]
            case .sentence:
                for piece in SentenceSplitter.split(document.text) {
                    switch piece.kind {
                    case .gap:
                        parts.append(.verbatim(piece.text))
                    case .sentence:
                        parts.append(.unit(unit(piece.text, id: "s\(units.count + 1)", document: document.id)))
                    }
                }
            }
            self.documents.append(Document(id: document.id, source: document.text, parts: parts))
        }
    }

    /// A unit's translation as it goes into its documents: a sentence is placed between whitespace kept from the
    /// source, so whitespace an engine puts around it is dropped.
    public func normalized(_ translation: String) -> String {
        switch segmentation {
        case .document: translation
        case .sentence: String(translation.trimmingWhitespace)
        }
    }

    /// The document reassembled from its units' translations (`translations[i]` for `units[i]`).
    public func translation(of document: Document, _ translations: [String?]) -> String {
        // A document that is one unit (every document, segmented by document) is its unit's translation itself.
        if document.parts.count == 1, case .unit(let index) = document.parts[0] { return translations[index] ?? "" }
        var text = ""
        for part in document.parts {
            switch part {
            case .verbatim(let kept): text += kept
            case .unit(let index): text += translations[index] ?? ""
            }
        }
        return text
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace and line breaks.
    var trimmingWhitespace: SubSequence {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
