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
        let digest = Insecure.MD5.hash(data: Array(documentID.utf8))
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
        var failed = false
        var records = records
        records.withUTF8 { bytes in
            var index = 0
            let prefix = Array(#"{"id":""#.utf8)
            while index < bytes.count {
                guard index + prefix.count <= bytes.count,
                    zip(prefix, bytes[index..<index + prefix.count]).allSatisfy({ $0 == $1 })
                else {
                    failed = true
                    return
                }
                index += prefix.count
                guard let (id, end) = quotedString(bytes, from: index) else {
                    failed = true
                    return
                }
                ids.append(id)
                index = end
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                index += 1
            }
        }
        return failed ? nil : ids
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
