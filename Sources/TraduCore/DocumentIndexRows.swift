/// One row of the document index: keys of one bucket, sorted, each with the content (block hash) that holds
/// the document.
public struct DocumentIndexRow: Sendable, Hashable {
    public var bucket: Int32
    public var keys: [Int64]
    /// Block content hashes (32 hex characters), one per key.
    public var contents: [String]
}

/// Groups the documents of new block contents into document index rows: per bucket, a row every
/// `DocumentKey.keysPerRow` documents, and the partial rows when drained. Apply writes one index row per 64
/// documents instead of one index entry per document, which is what keeps the index off apply's bill.
public struct DocumentIndexRows: Sendable {
    private var pending: [Int32: [(key: Int64, content: String)]] = [:]
    private var full: [DocumentIndexRow] = []
    /// Documents added since the last drain.
    public private(set) var documentCount = 0

    public init() {}

    /// Files every id of one content.
    public mutating func add(content: String, documentIDs: [String]) {
        add(content: content, keys: documentIDs.map(DocumentKey.init(documentID:)))
    }

    /// Files the documents of one content by their keys.
    public mutating func add(content: String, keys: [DocumentKey]) {
        for key in keys {
            let bucket = key.bucket
            pending[bucket, default: []].append((key.value, content))
            if pending[bucket]!.count >= DocumentKey.keysPerRow {
                full.append(Self.row(bucket, pending.removeValue(forKey: bucket)!))
            }
        }
        documentCount += keys.count
    }

    /// Every row, full and partial, in bucket order; empties the builder.
    public mutating func drain() -> [DocumentIndexRow] {
        var rows = full
        for (bucket, entries) in pending { rows.append(Self.row(bucket, entries)) }
        pending.removeAll(keepingCapacity: true)
        full.removeAll(keepingCapacity: true)
        documentCount = 0
        return rows.sorted { ($0.bucket, $0.keys.first ?? 0) < ($1.bucket, $1.keys.first ?? 0) }
    }

    private static func row(_ bucket: Int32, _ entries: [(key: Int64, content: String)]) -> DocumentIndexRow {
        let sorted = entries.sorted { ($0.key, $0.content) < ($1.key, $1.content) }
        return DocumentIndexRow(bucket: bucket, keys: sorted.map(\.key), contents: sorted.map(\.content))
    }
}
