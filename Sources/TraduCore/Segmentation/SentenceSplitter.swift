/// Splits a document into sentences and the text between them, by rule, so that joining the pieces gives the
/// document back byte for byte.
///
/// A sentence ends at whitespace that follows `.`, `!`, `?` or `…` (and any closing quotes or brackets) and
/// precedes what can start a sentence (an uppercase letter, a digit, an opening quote or bracket, a list
/// marker, a letter of a script without case). A full stop does not end a sentence after a known abbreviation
/// (`Dr.`, `e.g.`), a single initial (`J.`) or a dotted acronym (`U.S.`). Decimals (`3.14`) and versions never
/// split: no whitespace follows their dot. `。`, `！` and `？` end a sentence with no whitespace after them.
///
/// Lines: a blank line (a paragraph break) always ends a sentence, and so does a line break before a list item
/// (`- `, `* `, `• `, `1. `, `a) `). Any other line break is whitespace inside a sentence: wrapped prose stays one
/// sentence. The list marker, the whitespace around sentences and any stretch without letters or digits are gaps:
/// never sent to an engine, copied as written.
///
/// A split never falls inside a protected token (`SegmentProtection`: placeholders, format specifiers, tags,
/// entities) nor between an opening tag and its closing tag, so an engine never sees half an element.
///
/// Conservative on purpose: a missed split only costs a memory hit, a wrong one can cost a translation its
/// context.
public enum SentenceSplitter {
    public static func split(_ text: String) -> [TextPiece] {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return [] }
        let blocked = blockedPositions(text, scalars)
        var boundaries: [Range<Int>] = []  // the gaps that end a sentence, as scalar ranges
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if isSpace(scalar) {
                var end = index
                while end < scalars.count, isSpace(scalars[end]) { end += 1 }
                if end < scalars.count, index > 0, !blocked[index],
                    endsSentence(scalars, run: index..<end)
                {
                    boundaries.append(index..<end)
                }
                index = end
                continue
            }
            if closesSentenceWithoutSpace(scalar), index + 1 < scalars.count, !isSpace(scalars[index + 1]),
                !isClosing(scalars[index + 1]), !closesSentenceWithoutSpace(scalars[index + 1]), !blocked[index + 1]
            {
                boundaries.append(index + 1..<index + 1)
            }
            index += 1
        }
        var pieces: [TextPiece] = []
        var start = 0
        for boundary in boundaries + [scalars.count..<scalars.count] {
            appendChunk(scalars, start..<boundary.lowerBound, to: &pieces)
            appendGap(scalars[boundary], to: &pieces)
            start = boundary.upperBound
        }
        return pieces
    }

    /// The document again: every piece's text, in order.
    public static func join(_ pieces: [TextPiece]) -> String {
        pieces.reduce(into: "") { $0 += $1.text }
    }

    // MARK: Pieces

    /// A chunk between two boundaries: leading whitespace and list marker, then the sentence, then trailing
    /// whitespace; a chunk without letters or digits is a gap as a whole.
    private static func appendChunk(
        _ scalars: [Unicode.Scalar], _ range: Range<Int>, to pieces: inout [TextPiece]
    ) {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(scalars[lower]) { lower += 1 }
        var before = lower
        while before > 0, scalars[before - 1] == " " || scalars[before - 1] == "\t" { before -= 1 }
        if before == 0 || scalars[before - 1] == "\n", let marker = listMarkerEnd(scalars[..<upper], from: lower) {
            lower = marker
            while lower < upper, isSpace(scalars[lower]) { lower += 1 }
        }
        while upper > lower, isSpace(scalars[upper - 1]) { upper -= 1 }
        appendGap(scalars[range.lowerBound..<lower], to: &pieces)
        let body = scalars[lower..<upper]
        if body.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
            pieces.append(TextPiece(.sentence, string(body)))
        } else {
            appendGap(body, to: &pieces)
        }
        appendGap(scalars[upper..<range.upperBound], to: &pieces)
    }

    private static func appendGap(_ scalars: ArraySlice<Unicode.Scalar>, to pieces: inout [TextPiece]) {
        guard !scalars.isEmpty else { return }
        if let last = pieces.last, last.kind == .gap {
            pieces[pieces.count - 1].text += string(scalars)
        } else {
            pieces.append(TextPiece(.gap, string(scalars)))
        }
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    // MARK: Boundaries

    /// Whether the whitespace `run` ends a sentence.
    private static func endsSentence(_ scalars: [Unicode.Scalar], run: Range<Int>) -> Bool {
        let newlines = scalars[run].filter { $0 == "\n" }.count
        if newlines >= 2 { return true }
        if newlines == 1, listMarkerEnd(scalars[...], from: run.upperBound) != nil { return true }
        guard terminatesSentence(scalars, before: run.lowerBound), !followsListMarker(scalars, at: run.lowerBound)
        else { return false }
        return startsSentence(scalars, at: run.upperBound)
    }

    /// Whether the text just before `position` ends with sentence-final punctuation (then any closing quotes or
    /// brackets) that is not an abbreviation's full stop.
    private static func terminatesSentence(_ scalars: [Unicode.Scalar], before position: Int) -> Bool {
        var index = position
        while index > 0 {
            if isClosing(scalars[index - 1]) {
                index -= 1
            } else if let tagStart = closingTagStart(scalars, endingAt: index) {
                index = tagStart
            } else {
                break
            }
        }
        guard index > 0 else { return false }
        let mark = scalars[index - 1]
        if mark == "!" || mark == "?" || mark == "…" || closesSentenceWithoutSpace(mark) { return true }
        guard mark == "." else { return false }
        if index >= 2, scalars[index - 2] == "." { return true }  // an ellipsis written as dots
        // The word before the full stop, back to whitespace or an opening bracket or quote.
        var wordStart = index - 1
        while wordStart > 0, !isSpace(scalars[wordStart - 1]), !isOpening(scalars[wordStart - 1]) { wordStart -= 1 }
        let word = scalars[wordStart..<index - 1]
        guard !word.isEmpty else { return true }
        if word.contains(".") { return false }  // e.g., U.S., A.D.
        let letters = word.filter { $0.properties.isAlphabetic }
        if word.count == 1, letters.count == 1 { return false }  // an initial: J. Smith
        let lowered = string(word).lowercased()
        return !abbreviations.contains(lowered)
    }

    /// Where the closing tag (`</b>`) that ends just before `end` starts, or nil.
    private static func closingTagStart(_ scalars: [Unicode.Scalar], endingAt end: Int) -> Int? {
        guard end >= 4, scalars[end - 1] == ">" else { return nil }
        var index = end - 2
        while index > 0, end - index < 64, scalars[index] != "<", scalars[index] != ">" { index -= 1 }
        return scalars[index] == "<" && scalars[index + 1] == "/" ? index : nil
    }

    /// Whether the whitespace at `position` follows a list marker that starts its line (`1. First`).
    private static func followsListMarker(_ scalars: [Unicode.Scalar], at position: Int) -> Bool {
        var lineStart = position
        while lineStart > 0, scalars[lineStart - 1] != "\n" { lineStart -= 1 }
        while lineStart < position, scalars[lineStart] == " " || scalars[lineStart] == "\t" { lineStart += 1 }
        return listMarkerEnd(scalars[...], from: lineStart) == position
    }

    private static func startsSentence(_ scalars: [Unicode.Scalar], at position: Int) -> Bool {
        guard position < scalars.count else { return false }
        let first = scalars[position]
        let properties = first.properties
        if properties.isUppercase || properties.generalCategory == .titlecaseLetter || properties.numericType != nil {
            return true
        }
        if isOpening(first) || listMarkerEnd(scalars[...], from: position) != nil { return true }
        // A letter of a script without case (Chinese, Arabic, Hebrew, Devanagari...).
        return properties.isAlphabetic && !properties.isLowercase && !properties.changesWhenUppercased
    }

    /// The end of a list marker (`-`, `*`, `+`, `•`, `–`, `1.`, `12)`, `a)`) and the space after it at `position`,
    /// or nil.
    private static func listMarkerEnd(_ scalars: ArraySlice<Unicode.Scalar>, from position: Int) -> Int? {
        guard position < scalars.endIndex else { return nil }
        func spaced(_ end: Int) -> Int? {
            end < scalars.endIndex && (scalars[end] == " " || scalars[end] == "\t") ? end : nil
        }
        let first = scalars[position]
        if "-*+•–·".unicodeScalars.contains(first) { return spaced(position + 1) }
        var index = position
        while index < scalars.endIndex, index - position < 3, ("0"..."9").contains(scalars[index]) { index += 1 }
        if index > position, index < scalars.endIndex, scalars[index] == "." || scalars[index] == ")" {
            return spaced(index + 1)
        }
        if first.properties.isLowercase, position + 1 < scalars.endIndex, scalars[position + 1] == ")" {
            return spaced(position + 2)
        }
        return nil
    }

    /// For every scalar position, whether a split before it would cut a protected token or an element (from its
    /// opening tag to its closing tag).
    private static func blockedPositions(_ text: String, _ scalars: [Unicode.Scalar]) -> [Bool] {
        let tokens = SegmentProtection.tokens(in: text)
        var blocked = [Bool](repeating: false, count: scalars.count + 1)
        guard !tokens.isEmpty else { return blocked }
        // UTF-8 offset of every scalar, to place the tokens' byte ranges.
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for scalar in scalars {
            offsets.append(offset)
            offset += UTF8.width(scalar)
        }
        offsets.append(offset)
        var spans: [Range<Int>] = tokens.map(\.utf8Range)
        var open: [(name: String, start: Int)] = []
        for token in tokens where token.kind == .tag {
            guard let name = tagName(token.text) else { continue }
            if token.text.hasPrefix("</") {
                if let match = open.lastIndex(where: { $0.name == name }) {
                    spans.append(open[match].start..<token.utf8Range.upperBound)
                    open.removeSubrange(match...)
                }
            } else if !token.text.hasSuffix("/>"), !voidElements.contains(name) {
                open.append((name, token.utf8Range.lowerBound))
            }
        }
        for span in spans {
            var low = 0
            var high = offsets.count
            while low < high {  // first scalar starting after span.lowerBound
                let mid = (low + high) / 2
                if offsets[mid] <= span.lowerBound { low = mid + 1 } else { high = mid }
            }
            var position = low
            while position < offsets.count, offsets[position] < span.upperBound {
                blocked[position] = true
                position += 1
            }
        }
        return blocked
    }

    private static func tagName(_ tag: String) -> String? {
        let name = tag.drop { $0 == "<" || $0 == "/" }.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == ":" }
        return name.isEmpty ? nil : name.lowercased()
    }

    private static let voidElements: Set<String> = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    ]

    /// Words that a full stop follows without ending the sentence (compared in lowercase, without the stop).
    /// `etc.` is not among them: before a capital it usually ends the sentence.
    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "cf", "fig", "figs", "no", "nos", "vol", "vols",
        "p", "pp", "ch", "sec", "ed", "eds", "approx", "ca", "inc", "ltd", "co", "corp", "dept", "est", "jan", "feb",
        "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen", "gov", "rev", "sgt", "lt", "col",
        "capt", "al", "ref", "refs", "resp", "viz", "op", "art", "e.g", "i.e", "incl", "min", "max", "nr", "tel",
    ]

    // MARK: Characters

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{A0}"
            || scalar == "\u{3000}"
    }

    private static func isClosing(_ scalar: Unicode.Scalar) -> Bool {
        "\"')]»”’」』".unicodeScalars.contains(scalar)
    }

    private static func isOpening(_ scalar: Unicode.Scalar) -> Bool {
        "\"'([«“‘¿¡「『".unicodeScalars.contains(scalar)
    }

    /// Full stops of scripts written without spaces between sentences.
    private static func closesSentenceWithoutSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "。" || scalar == "！" || scalar == "？"
    }
}
