/// The input records of one block, keyed by their content hash.
public struct BlockContentRow: Sendable, Hashable {
    public var hash: String
    public var dataset: String
    public var recordCount: Int
    public var byteCount: Int64
    /// The block's records as the runner will read them (e.g. JSON Lines). Must not contain NUL.
    public var records: String
    /// The id of the last record: filled in by apply as it copies the content (`block_contents.last_record`).
    public var lastRecord: String?

    public init(hash: String, dataset: String, recordCount: Int, byteCount: Int64, records: String) {
        self.hash = hash
        self.dataset = dataset
        self.recordCount = recordCount
        self.byteCount = byteCount
        self.records = records
    }
}
