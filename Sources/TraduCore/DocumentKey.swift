import Crypto

/// Where the document index files a document id: a 64-bit key, and the bucket its key falls in.
///
/// The key is the first 8 bytes of the id's MD5, read big-endian, so PostgreSQL computes the same value with
/// `('x' || substr(md5(id), 1, 16))::bit(64)::bigint` (the index of an environment created before it can be
/// filled in SQL alone). MD5 here is a spreading function, not a security boundary: a lookup compares the ids
/// it finds with the one asked for, so a collision costs a wasted read, never a wrong answer.
public struct DocumentKey: Sendable, Hashable, Comparable {
    /// 4,096 buckets: the top 12 bits of the key.
    public static let bucketBits = 12
    /// Keys per index row: an index row stays under PostgreSQL's 2 kB TOAST threshold (so nothing tries to
    /// compress random bits), and a bucket's keys are read in a few rows.
    public static let keysPerRow = 64

    public let value: Int64

    public init(value: Int64) { self.value = value }

    public init(documentID: String) {
        var id = documentID
        self = id.withUTF8 { DocumentKey(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// The key of the id whose UTF-8 bytes these are.
    public init(utf8 bytes: UnsafeRawBufferPointer) {
        var hasher = Insecure.MD5()
        hasher.update(bufferPointer: bytes)
        let digest = hasher.finalize()
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        self.value = Int64(bitPattern: value)
    }

    /// `key >> 52` as PostgreSQL shifts a bigint (arithmetic): -2048 through 2047.
    public var bucket: Int32 { Int32(value >> Int64(64 - Self.bucketBits)) }

    public static func < (lhs: DocumentKey, rhs: DocumentKey) -> Bool { lhs.value < rhs.value }
}

/// The document ids in a block content's records, as the cutter writes them: one JSON object per line, its
/// first member `"id"`.
public enum BlockRecordIDs {
    /// The ids in order; nil when a line does not start as the cutter writes lines.
    public static func ids(in records: String) -> [String]? {
        var ids: [String] = []
        let complete = scan(records) { bytes, id in
            switch id {
            case .raw(let range):
                ids.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
            case .decoded(let text): ids.append(text)
            }
        }
        return complete ? ids : nil
    }

    /// The ids' keys in order, hashed from the records' bytes where an id holds no escape (apply's path: no
    /// string is made); nil when a line does not start as the cutter writes lines.
    public static func keys(in records: String) -> [DocumentKey]? {
        keysAndLastID(in: records)?.keys
    }

    /// `keys(in:)`, and the last record's id (the record after which the block ended: `BlockCutter.keptBoundaries`),
    /// from one pass over the records; only the last id is made a string.
    public static func keysAndLastID(in records: String) -> (keys: [DocumentKey], lastID: String?)? {
        var keys: [DocumentKey] = []
        var last: ScannedID?
        let complete = scan(records) { bytes, id in
            switch id {
            case .raw(let range):
                keys.append(DocumentKey(utf8: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range]))))
            case .decoded(let text): keys.append(DocumentKey(documentID: text))
            }
            last = id
        }
        guard complete else { return nil }
        switch last {
        case .raw(let range):
            var text = records
            return (keys, text.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) })
        case .decoded(let text): return (keys, text)
        case nil: return (keys, nil)
        }
    }

    private enum ScannedID {
        /// The id is these bytes as they stand (it holds no escape).
        case raw(Range<Int>)
        case decoded(String)
    }

    /// Calls `body` with each line's id; false when a line does not start as the cutter writes lines.
    private static func scan(_ records: String, _ body: (UnsafeBufferPointer<UInt8>, ScannedID) -> Void) -> Bool {
        var complete = true
        var records = records
        records.withUTF8 { bytes in
            var index = 0
            let prefix = Array(#"{"id":""#.utf8)
            while index < bytes.count {
                guard index + prefix.count <= bytes.count,
                    zip(prefix, bytes[index..<index + prefix.count]).allSatisfy({ $0 == $1 })
                else {
                    complete = false
                    return
                }
                index += prefix.count
                var end = index
                while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\") {
                    end += 1
                }
                if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                    body(bytes, .raw(index..<end))
                    index = end + 1
                } else {
                    guard let (id, after) = quotedString(bytes, from: index) else {
                        complete = false
                        return
                    }
                    body(bytes, .decoded(id))
                    index = after
                }
                index = lineEnd(bytes, from: index) + 1
            }
        }
        return complete
    }

    /// The index of the next `\n` at or after `start` (or the end), read 8 bytes at a time: a content's records
    /// are mostly text, and apply reads every byte of every new content here.
    private static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
            while index + 8 <= bytes.count {
                // A byte of `word` is zero exactly where the bytes held `\n`; the lowest flagged byte is exact.
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ newlines
                let zeroes = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
                if zeroes != 0 { return index + zeroes.trailingZeroBitCount / 8 }
                index += 8
            }
        }
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        return index
    }

    /// The JSON string body starting at `start` (after its opening quote), decoded, and the index after its
    /// closing quote. Decodes every escape JSON allows; nil for a string that does not end or a bad escape.
    private static func quotedString(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (String, Int)? {
        var index = start
        var runStart = start
        var text = ""
        var pendingHigh: UInt32?
        func flush(upTo end: Int) {
            if runStart < end {
                text += String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<end]), as: UTF8.self)
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard pendingHigh == nil else { return nil }
                flush(upTo: index)
                return (text, index + 1)
            }
            guard byte == UInt8(ascii: "\\") else {
                guard pendingHigh == nil else { return nil }
                index += 1
                continue
            }
            flush(upTo: index)
            guard index + 1 < bytes.count else { return nil }
            let escape = bytes[index + 1]
            index += 2
            if escape == UInt8(ascii: "u") {
                guard index + 4 <= bytes.count,
                    let unit = UInt32(
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<index + 4]), as: UTF8.self),
                        radix: 16)
                else { return nil }
                index += 4
                if let high = pendingHigh {
                    guard (0xDC00...0xDFFF).contains(unit) else { return nil }
                    pendingHigh = nil
                    text.unicodeScalars.append(Unicode.Scalar(0x10000 + (high - 0xD800) << 10 + (unit - 0xDC00))!)
                } else if (0xD800...0xDBFF).contains(unit) {
                    pendingHigh = unit
                } else {
                    guard let scalar = Unicode.Scalar(unit) else { return nil }
                    text.unicodeScalars.append(scalar)
                }
            } else {
                guard pendingHigh == nil else { return nil }
                switch escape {
                case UInt8(ascii: "\""): text += "\""
                case UInt8(ascii: "\\"): text += "\\"
                case UInt8(ascii: "/"): text += "/"
                case UInt8(ascii: "b"): text += "\u{08}"
                case UInt8(ascii: "f"): text += "\u{0C}"
                case UInt8(ascii: "n"): text += "\n"
                case UInt8(ascii: "r"): text += "\r"
                case UInt8(ascii: "t"): text += "\t"
                default: return nil
                }
            }
            runStart = index
        }
        return nil
    }
}
