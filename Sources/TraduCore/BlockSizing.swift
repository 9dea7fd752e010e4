/// How a dataset is cut: at most `maxRecords` documents and `maxBytes` bytes of text per block.
public struct BlockSizing: Sendable, Hashable, Codable {
    public var maxRecords: Int
    public var maxBytes: Int64

    public init(maxRecords: Int, maxBytes: Int64) {
        self.maxRecords = maxRecords
        self.maxBytes = maxBytes
    }

    public init(_ dataset: Dataset) {
        self.init(maxRecords: dataset.maxRecordsPerBlock, maxBytes: dataset.maxBytesPerBlock.bytes)
    }

    public var json: JSONValue {
        .object([("maxRecords", .int(maxRecords)), ("maxBytes", .string(ByteSize(bytes: maxBytes).description))])
    }
}
