/// How a dataset is cut: at most `maxRecords` documents and `maxBytes` bytes of text per block, by `cutter`
/// version (`BlockCutter`).
public struct BlockSizing: Sendable, Hashable, Codable {
    public var maxRecords: Int
    public var maxBytes: Int64
    public var cutter: Int

    public init(maxRecords: Int, maxBytes: Int64, cutter: Int = BlockCutter.latestVersion) {
        self.maxRecords = maxRecords
        self.maxBytes = maxBytes
        self.cutter = cutter
    }

    public init(_ dataset: Dataset) {
        self.init(
            maxRecords: dataset.maxRecordsPerBlock, maxBytes: dataset.maxBytesPerBlock.bytes,
            cutter: dataset.cutter ?? BlockCutter.latestVersion)
    }

    /// Stored with each pipeline: a change re-cuts the dataset. Version 1 writes no `cutter` member, so the sizing
    /// an environment stored before version 2 existed still compares equal, and upgrading re-cuts nothing.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("maxRecords", .int(maxRecords)), ("maxBytes", .string(ByteSize(bytes: maxBytes).description)),
        ]
        if cutter > 1 { members.append(("cutter", .int(cutter))) }
        return .object(members)
    }

    /// The cutter version a stored sizing was cut with.
    public static func cutter(ofStored json: JSONValue) -> Int {
        json["cutter"]?.intValue ?? 1
    }
}
