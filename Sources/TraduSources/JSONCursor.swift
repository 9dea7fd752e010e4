import Glibc

/// A hand-written JSON syntax checker over one line's bytes, for `JSONRecordScanner`.
///
/// Validating a value it skips costs one pass with no allocation: strings are scanned 8 bytes at a time
/// (looking only for `"`, `\`, control characters and non-ASCII), and UTF-8 is checked only for strings that
/// contain non-ASCII bytes. Grammar is RFC 8259's.
struct JSONCursor {
    /// A string's content, between its quotes.
    struct StringSpan {
        var start: Int
        var end: Int
        var hasEscapes: Bool
        var hasNonASCII: Bool
    }

    static let maxDepth = 256

    let bytes: UnsafePointer<UInt8>
    let count: Int
    var index = 0

    init(_ bytes: UnsafePointer<UInt8>, count: Int) {
        self.bytes = bytes
        self.count = count
    }

    var atEnd: Bool { index >= count }

    /// The current byte; 0 past the end (never valid JSON there, so checks fail naturally).
    var current: UInt8 { index < count ? bytes[index] : 0 }

    mutating func skipWhitespace() {
        while index < count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    mutating func expect(_ byte: UInt8, _ message: @autoclosure () -> String) throws(JSONSyntaxError) {
        guard current == byte else { throw unexpected(message()) }
        index += 1
    }

    func unexpected(_ expected: String) -> JSONSyntaxError {
        if atEnd { return JSONSyntaxError("unexpected end of line; expected \(expected)", at: index) }
        return JSONSyntaxError("expected \(expected)", at: index)
    }

    /// Scans a string whose opening quote is at `index`; leaves `index` after the closing quote.
    mutating func scanString() throws(JSONSyntaxError) -> StringSpan {
        let opening = index
        index += 1
        var span = StringSpan(start: index, end: index, hasEscapes: false, hasNonASCII: false)
        var highBits: UInt64 = 0
        while true {
            while index + 8 <= count {
                let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
                let special =
                    Self.hasZeroByte(word ^ 0x2222_2222_2222_2222)
                    | Self.hasZeroByte(word ^ 0x5C5C_5C5C_5C5C_5C5C)
                    | ((word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080)
                if special != 0 { break }
                highBits |= word
                index += 8
            }
            guard index < count else {
                throw JSONSyntaxError("unterminated string", at: opening)
            }
            let byte = bytes[index]
            if byte == 0x22 {
                span.end = index
                index += 1
                span.hasNonASCII = span.hasNonASCII || highBits & 0x8080_8080_8080_8080 != 0
                return span
            } else if byte == 0x5C {
                span.hasEscapes = true
                try skipEscape()
            } else if byte < 0x20 {
                throw JSONSyntaxError("control character in a string (must be escaped)", at: index)
            } else {
                if byte >= 0x80 { span.hasNonASCII = true }
                index += 1
            }
        }
    }

    /// Checks the escape at `index` (a backslash) and moves past it.
    private mutating func skipEscape() throws(JSONSyntaxError) {
        guard index + 1 < count else { throw JSONSyntaxError("unterminated string", at: index) }
        switch bytes[index + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            index += 2
        case 0x75:
            guard index + 6 <= count, (2..<6).allSatisfy({ Self.hexValue(bytes[index + $0]) != nil }) else {
                throw JSONSyntaxError("invalid \\u escape (needs 4 hex digits)", at: index)
            }
            index += 6
        default:
            throw JSONSyntaxError("invalid escape sequence in a string", at: index)
        }
    }

    /// Scans a number at `index`; returns whether it is an integer (no fraction, no exponent).
    mutating func scanNumber() throws(JSONSyntaxError) -> Bool {
        let start = index
        if current == 0x2D { index += 1 }
        if current == 0x30 {
            index += 1
        } else if Self.isDigit(current) {
            while Self.isDigit(current) { index += 1 }
        } else {
            throw JSONSyntaxError("invalid number", at: start)
        }
        var isInteger = true
        if current == 0x2E {
            isInteger = false
            index += 1
            guard Self.isDigit(current) else { throw JSONSyntaxError("invalid number", at: start) }
            while Self.isDigit(current) { index += 1 }
        }
        if current == 0x65 || current == 0x45 {
            isInteger = false
            index += 1
            if current == 0x2B || current == 0x2D { index += 1 }
            guard Self.isDigit(current) else { throw JSONSyntaxError("invalid number", at: start) }
            while Self.isDigit(current) { index += 1 }
        }
        return isInteger
    }

    /// Checks and skips any value at `index`.
    mutating func skipValue(depth: Int) throws(JSONSyntaxError) {
        switch current {
        case 0x22:
            let span = try scanString()
            if span.hasNonASCII { try validateUTF8(span) }
        case 0x7B:
            try skipContainer(close: 0x7D, depth: depth, isObject: true)
        case 0x5B:
            try skipContainer(close: 0x5D, depth: depth, isObject: false)
        case 0x2D, 0x30...0x39:
            _ = try scanNumber()
        case 0x74:
            try literal("true")
        case 0x66:
            try literal("false")
        case 0x6E:
            try literal("null")
        default:
            throw unexpected("a value")
        }
    }

    private mutating func skipContainer(close: UInt8, depth: Int, isObject: Bool) throws(JSONSyntaxError) {
        guard depth < Self.maxDepth else {
            throw JSONSyntaxError("nesting deeper than \(Self.maxDepth) levels", at: index)
        }
        index += 1
        skipWhitespace()
        if current == close {
            index += 1
            return
        }
        while true {
            if isObject {
                guard current == 0x22 else { throw unexpected("a field name in quotes") }
                let key = try scanString()
                if key.hasNonASCII { try validateUTF8(key) }
                skipWhitespace()
                try expect(0x3A, "':' after a field name")
                skipWhitespace()
            }
            try skipValue(depth: depth + 1)
            skipWhitespace()
            if current == 0x2C {
                index += 1
                skipWhitespace()
            } else if current == close {
                index += 1
                return
            } else {
                throw unexpected(isObject ? "',' or '}'" : "',' or ']'")
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let length = word.utf8CodeUnitCount
        guard index + length <= count, memcmp(bytes + index, word.utf8Start, length) == 0 else {
            throw unexpected("a value")
        }
        index += length
    }

    func validateUTF8(_ span: StringSpan) throws(JSONSyntaxError) {
        if let bad = UTF8Validation.firstInvalidOffset(bytes + span.start, count: span.end - span.start) {
            throw JSONSyntaxError("invalid UTF-8", at: span.start + bad)
        }
    }

    /// What kind of value starts at `index`, for type errors.
    var valueKind: String {
        switch current {
        case 0x22: "a string"
        case 0x7B: "an object"
        case 0x5B: "an array"
        case 0x74, 0x66: "a boolean"
        case 0x6E: "null"
        default: "a number"
        }
    }

    @inline(__always)
    static func hasZeroByte(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }
}
