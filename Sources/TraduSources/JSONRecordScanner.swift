import Glibc

/// Pulls the id and text fields out of one JSONL line, checking the whole line's syntax on the way.
///
/// Only the two wanted top-level fields are decoded into Swift strings; everything else is validated and
/// skipped in place. This is the hot loop of planning a large corpus: no Foundation, no allocation besides
/// the two result strings (and a reused scratch buffer for strings with escapes).
struct JSONRecordScanner {
    enum Outcome {
        case blank
        case record(id: String, text: String)
        case invalid(JSONSyntaxError)
    }

    private let idField: String
    private let textField: String
    private let idKey: [UInt8]
    private let textKey: [UInt8]
    private var scratch: [UInt8] = []

    init(idField: String, textField: String) {
        self.idField = idField
        self.textField = textField
        idKey = Array(idField.utf8)
        textKey = Array(textField.utf8)
    }

    mutating func scan(_ line: UnsafeBufferPointer<UInt8>) -> Outcome {
        guard let base = line.baseAddress else { return .blank }
        var cursor = JSONCursor(base, count: line.count)
        cursor.skipWhitespace()
        if cursor.atEnd { return .blank }
        do {
            return try scanObject(&cursor)
        } catch {
            return .invalid(error)
        }
    }

    private mutating func scanObject(_ cursor: inout JSONCursor) throws(JSONSyntaxError) -> Outcome {
        guard cursor.current == 0x7B else {
            throw JSONSyntaxError("record is not a JSON object", at: cursor.index)
        }
        cursor.index += 1
        cursor.skipWhitespace()
        var id: String?
        var text: String?
        if cursor.current == 0x7D {
            cursor.index += 1
        } else {
            while true {
                guard cursor.current == 0x22 else { throw cursor.unexpected("a field name in quotes") }
                let key = try cursor.scanString()
                let (isID, isText) = try classify(key, in: cursor)
                cursor.skipWhitespace()
                try cursor.expect(0x3A, "':' after a field name")
                cursor.skipWhitespace()
                if isID {
                    guard id == nil else {
                        throw JSONSyntaxError("field '\(idField)' appears twice", at: key.start - 1)
                    }
                    id = try scanID(&cursor)
                    if isText { text = id }
                } else if isText {
                    guard text == nil else {
                        throw JSONSyntaxError("field '\(textField)' appears twice", at: key.start - 1)
                    }
                    guard cursor.current == 0x22 else {
                        throw JSONSyntaxError(
                            "field '\(textField)' must be a string, got \(cursor.valueKind)", at: cursor.index)
                    }
                    text = try decodeString(cursor.scanString(), in: cursor)
                } else {
                    try cursor.skipValue(depth: 1)
                }
                cursor.skipWhitespace()
                if cursor.current == 0x2C {
                    cursor.index += 1
                    cursor.skipWhitespace()
                } else if cursor.current == 0x7D {
                    cursor.index += 1
                    break
                } else {
                    throw cursor.unexpected("',' or '}'")
                }
            }
        }
        cursor.skipWhitespace()
        guard cursor.atEnd else {
            throw JSONSyntaxError("unexpected data after the JSON object", at: cursor.index)
        }
        guard let id else { throw JSONSyntaxError("record has no field '\(idField)'", at: 0) }
        guard let text else { throw JSONSyntaxError("record has no field '\(textField)'", at: 0) }
        return .record(id: id, text: text)
    }

    /// An id is a string or an integer; an integer keeps its JSON spelling, which is already canonical
    /// decimal (JSON allows no leading zeros or plus sign).
    private mutating func scanID(_ cursor: inout JSONCursor) throws(JSONSyntaxError) -> String {
        let start = cursor.index
        switch cursor.current {
        case 0x22:
            return try decodeString(cursor.scanString(), in: cursor)
        case 0x2D, 0x30...0x39:
            guard try cursor.scanNumber() else {
                throw JSONSyntaxError(
                    "field '\(idField)' must be a string or an integer, got a number with a fraction or exponent",
                    at: start)
            }
            return String(
                decoding: UnsafeBufferPointer(start: cursor.bytes + start, count: cursor.index - start), as: UTF8.self)
        default:
            let kind = cursor.valueKind
            try cursor.skipValue(depth: 1)
            throw JSONSyntaxError("field '\(idField)' must be a string or an integer, got \(kind)", at: start)
        }
    }

    /// Whether a key names the id field, the text field, or (if configured so) both.
    private mutating func classify(_ key: JSONCursor.StringSpan, in cursor: JSONCursor) throws(JSONSyntaxError) -> (
        Bool, Bool
    ) {
        if key.hasNonASCII { try cursor.validateUTF8(key) }
        let length = key.end - key.start
        if !key.hasEscapes {
            let start = cursor.bytes + key.start
            return (Self.equal(start, length, idKey), Self.equal(start, length, textKey))
        }
        try unescape(key, in: cursor)
        return scratch.withUnsafeBufferPointer { buffer in
            (
                Self.equal(buffer.baseAddress!, buffer.count, idKey),
                Self.equal(buffer.baseAddress!, buffer.count, textKey)
            )
        }
    }

    private static func equal(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ key: [UInt8]) -> Bool {
        count == key.count && key.withUnsafeBufferPointer { memcmp(bytes, $0.baseAddress!, count) == 0 }
    }

    private mutating func decodeString(_ span: JSONCursor.StringSpan, in cursor: JSONCursor) throws(JSONSyntaxError)
        -> String
    {
        if span.hasNonASCII { try cursor.validateUTF8(span) }
        if !span.hasEscapes {
            return String(
                decoding: UnsafeBufferPointer(start: cursor.bytes + span.start, count: span.end - span.start),
                as: UTF8.self)
        }
        try unescape(span, in: cursor)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Decodes a string's escapes into `scratch`. The raw bytes were already checked (escape syntax by the
    /// cursor, UTF-8 by the caller); what is left to reject is a `\u` surrogate without its other half.
    private mutating func unescape(_ span: JSONCursor.StringSpan, in cursor: JSONCursor) throws(JSONSyntaxError) {
        scratch.removeAll(keepingCapacity: true)
        let bytes = cursor.bytes
        var index = span.start
        while index < span.end {
            var runEnd = index
            while runEnd < span.end && bytes[runEnd] != 0x5C { runEnd += 1 }
            scratch.append(contentsOf: UnsafeBufferPointer(start: bytes + index, count: runEnd - index))
            index = runEnd
            guard index < span.end else { break }
            let escape = bytes[index + 1]
            switch escape {
            case 0x62: scratch.append(0x08)
            case 0x66: scratch.append(0x0C)
            case 0x6E: scratch.append(0x0A)
            case 0x72: scratch.append(0x0D)
            case 0x74: scratch.append(0x09)
            case 0x75:
                let scalar = try unicodeEscape(at: index, in: cursor)
                appendUTF8(scalar.value)
                index += scalar.value > 0xFFFF ? 12 : 6
                continue
            default: scratch.append(escape)
            }
            index += 2
        }
    }

    /// The scalar of a `\uXXXX` escape at `index`, combining a surrogate pair.
    private func unicodeEscape(at index: Int, in cursor: JSONCursor) throws(JSONSyntaxError) -> Unicode.Scalar {
        let high = Self.hex4(cursor.bytes + index + 2)
        if (0xDC00...0xDFFF).contains(high) {
            throw JSONSyntaxError("invalid \\u escape: unpaired low surrogate", at: index)
        }
        guard (0xD800...0xDBFF).contains(high) else { return Unicode.Scalar(high)! }
        let next = index + 6
        guard next + 6 <= cursor.count, cursor.bytes[next] == 0x5C, cursor.bytes[next + 1] == 0x75,
            (2..<6).allSatisfy({ JSONCursor.hexValue(cursor.bytes[next + $0]) != nil })
        else {
            throw JSONSyntaxError("invalid \\u escape: unpaired high surrogate", at: index)
        }
        let low = Self.hex4(cursor.bytes + next + 2)
        guard (0xDC00...0xDFFF).contains(low) else {
            throw JSONSyntaxError("invalid \\u escape: unpaired high surrogate", at: index)
        }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
    }

    private static func hex4(_ bytes: UnsafePointer<UInt8>) -> UInt32 {
        (0..<4).reduce(0) { $0 << 4 | JSONCursor.hexValue(bytes[$1])! }
    }

    private mutating func appendUTF8(_ value: UInt32) {
        switch value {
        case 0..<0x80:
            scratch.append(UInt8(value))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | value >> 6))
            scratch.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | value >> 12))
            scratch.append(UInt8(0x80 | (value >> 6) & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | value >> 18))
            scratch.append(UInt8(0x80 | (value >> 12) & 0x3F))
            scratch.append(UInt8(0x80 | (value >> 6) & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        }
    }
}
