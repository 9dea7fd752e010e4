/// One row of the document index: keys of one bucket, sorted, each with the content (block hash) that holds
/// the document.
public struct DocumentIndexRow: Sendable, Hashable {
    public var bucket: Int32
    public var keys: [Int64]
    /// The contents' hashes as uuids, 16 bytes per key, back to back: what the `uuid[]` column takes.
    public var contents: [UInt8]

    /// The content of key `index` as 32 hex characters (its block hash).
    public func content(at index: Int) -> String {
        var hex = ""
        for byte in contents[index * 16..<index * 16 + 16] {
            hex += String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }
        return hex
    }
}

/// Groups the documents of new block contents into document index rows: per bucket, a row every
/// `DocumentKey.keysPerRow` documents, and the partial rows when drained. Apply writes one index row per 64
/// documents instead of one index entry per document, which is what keeps the index off apply's bill.
public struct DocumentIndexRows: Sendable {
    /// Per bucket, the keys waiting and their contents (indexes into `contents`).
    private var pending: [Int32: [(key: Int64, content: Int32)]] = [:]
    private var full: [DocumentIndexRow] = []
    /// Each content added since the last drain, as its 16 uuid bytes back to back: converted once per content,
    /// not per key.
    private var contents: [UInt8] = []
    /// Documents added since the last drain.
    public private(set) var documentCount = 0

    public init() {}

    /// Files every id of one content.
    @discardableResult
    public mutating func add(content: String, documentIDs: [String]) -> Bool {
        add(content: content, keys: documentIDs.map(DocumentKey.init(documentID:)))
    }

    /// Files the documents of one content by their keys; false (nothing filed) when `content` is not a block
    /// hash (32 lowercase hex characters).
    @discardableResult
    public mutating func add(content: String, keys: [DocumentKey]) -> Bool {
        guard let bytes = Self.uuidBytes(ofHex: content) else { return false }
        let index = Int32(contents.count / 16)
        contents += bytes
        for key in keys {
            let bucket = key.bucket
            pending[bucket, default: []].append((key.value, index))
            if pending[bucket]!.count >= DocumentKey.keysPerRow {
                // Two statements: `row(bucket, pending.removeValue(...))` in one would copy `self`, and with it
                // the whole dictionary, for every full row.
                let entries = pending.removeValue(forKey: bucket)!
                full.append(Self.row(bucket, entries, contents))
            }
        }
        documentCount += keys.count
        return true
    }

    /// Every row, full and partial, in bucket order; empties the builder.
    public mutating func drain() -> [DocumentIndexRow] {
        var rows = full
        for (bucket, entries) in pending { rows.append(Self.row(bucket, entries, contents)) }
        pending.removeAll(keepingCapacity: true)
        full.removeAll(keepingCapacity: true)
        contents.removeAll(keepingCapacity: true)
        documentCount = 0
        return rows.sorted { ($0.bucket, $0.keys.first ?? 0) < ($1.bucket, $1.keys.first ?? 0) }
    }

    private static func row(_ bucket: Int32, _ entries: [(key: Int64, content: Int32)], _ contents: [UInt8])
        -> DocumentIndexRow
    {
        let sorted = entries.sorted { ($0.key, $0.content) < ($1.key, $1.content) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sorted.count * 16)
        for entry in sorted {
            let start = Int(entry.content) * 16
            bytes += contents[start..<start + 16]
        }
        return DocumentIndexRow(bucket: bucket, keys: sorted.map(\.key), contents: bytes)
    }

    private static func uuidBytes(ofHex hash: String) -> [UInt8]? {
        guard hash.utf8.count == 32 else { return nil }
        return ContentHash.bytes(hex: hash)
    }
}
