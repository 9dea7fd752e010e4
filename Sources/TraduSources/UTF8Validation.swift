/// A strict UTF-8 check (Unicode's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF) that
/// says where the first bad byte is, so a diagnostic can point at it. ASCII runs are skipped 8 bytes at a
/// time, which is what keeps it off the profile for mostly-ASCII corpora.
enum UTF8Validation {
    /// The offset of the first byte that does not start or continue a well-formed sequence, or nil.
    static func firstInvalidOffset(_ bytes: UnsafePointer<UInt8>, count: Int) -> Int? {
        var i = 0
        while i < count {
            if i + 8 <= count, UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt64.self) & highBits == 0 {
                i += 8
                continue
            }
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                secondHigh = 0x9F
            case 0xF0:
                length = 4
                secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                secondHigh = 0x8F
            default: return i
            }
            guard i + 1 < count, (secondLow...secondHigh).contains(bytes[i + 1]) else { return i }
            for k in 2..<length {
                guard i + k < count, bytes[i + k] & 0xC0 == 0x80 else { return i }
            }
            i += length
        }
        return nil
    }

    static func firstInvalidOffset(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = buffer.baseAddress else { return nil }
        return firstInvalidOffset(base, count: buffer.count)
    }

    /// The 1-based column of byte `offset` in `line`, counting characters (scalars) as editors do.
    static func column(ofOffset offset: Int, in line: UnsafeBufferPointer<UInt8>) -> Int {
        var column = 1
        for index in 0..<min(offset, line.count) where line[index] & 0xC0 != 0x80 {
            column += 1
        }
        return column
    }

    /// Line and column (1-based) of byte `offset` in a multi-line buffer.
    static func lineAndColumn(ofOffset offset: Int, in text: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for index in 0..<min(offset, text.count) where text[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        let rest = UnsafeBufferPointer(rebasing: text[lineStart..<text.count])
        return (line, column(ofOffset: offset - lineStart, in: rest))
    }

    static let highBits: UInt64 = 0x8080_8080_8080_8080
}
