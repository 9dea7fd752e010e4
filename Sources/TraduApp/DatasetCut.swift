import TraduCore
import TraduHTTP
import TraduSources

/// A dataset read and cut into blocks (records are not kept: only identities and sizes).
public struct DatasetCut: Sendable {
    public var dataset: Dataset
    public var blocks: [CutBlock]
    public var recordCount: Int
    public var skippedCount: Int
    /// Diagnostics of skipped records (capped), for the plan output.
    public var skipped: [Diagnostic]
    public var fingerprint: SourceFingerprint

    public var byteCount: Int64 { blocks.reduce(0) { $0 + $1.byteCount } }

    /// Streams the dataset once and cuts it. Blocks are kept without their records, so memory stays small
    /// whatever the corpus size.
    public static func read(
        _ dataset: Dataset, projectRoot: String, httpClient: HTTPClient, progress: (Int) -> Void = { _ in }
    ) async throws -> DatasetCut {
        let stream = try await DatasetReader(dataset: dataset, projectRoot: projectRoot, httpClient: httpClient).open()
        var cutter = BlockCutter(sizing: BlockSizing(dataset))
        var blocks: [CutBlock] = []
        var records = 0
        while let record = try stream.next() {
            records += 1
            cutter.add(record) { blocks.append($0) }
            if records % 100_000 == 0 { progress(records) }
        }
        if let last = cutter.finish() { blocks.append(last) }
        return DatasetCut(
            dataset: dataset, blocks: blocks, recordCount: records, skippedCount: stream.skippedCount,
            skipped: stream.skipped, fingerprint: stream.fingerprint)
    }
}
