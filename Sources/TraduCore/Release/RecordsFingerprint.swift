import Crypto

/// A dataset's identity for promotion: SHA-256 over every record's id and text, in order, length-prefixed so
/// no two record lists share a digest. Independent of block sizing and of the cutter, unlike block hashes, so
/// environments that cut the same data differently still agree on it.
public struct RecordsFingerprint {
    private var hasher = SHA256()
    public private(set) var count = 0

    public init() {}

    public mutating func add(_ record: SourceRecord) {
        count += 1
        add(record.id)
        add(record.text)
    }

    private mutating func add(_ text: String) {
        var copy = text
        var length = UInt64(copy.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
        copy.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    /// 32 hex characters, like every content hash.
    public func finalize() -> String {
        ContentHash.hex(digest: hasher.finalize())
    }
}
