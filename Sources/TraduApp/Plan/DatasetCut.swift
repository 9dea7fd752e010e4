import TraduCore
import TraduHTTP
import TraduSources

/// A dataset read and cut into blocks (records are not kept: only identities and sizes).
public struct DatasetCut: Sendable {
    public var dataset: Dataset
    public var blocks: CutBlockList
    public var recordCount: Int
    public var skippedCount: Int
    /// Records left out because they were erased from the environment (`tradu erase`).
    public var erasedCount = 0
    /// The tombstones the cut left out: reading the dataset again for the blocks' records leaves out the same.
    public var erased = ErasedDocuments.none
    /// Diagnostics of skipped records (capped), for the plan output.
    public var skipped: [Diagnostic]
    public var fingerprint: SourceFingerprint
    /// The records' ids and texts, for promotion (`RecordsFingerprint`).
    public var recordsFingerprint: String
    /// How much of the dataset repeats, from its first records: what the plan expects memory to serve.
    public var repetition = RepetitionSample()
    /// The environment's boundaries the cut kept (cutter version 3): reading the dataset again for the blocks'
    /// records keeps the same.
    public var keptBoundaries: Set<String> = []
    /// The id of the dataset's last record (erased ones included): where this cut's last block ends.
    public var lastRecordID: String?

    public var byteCount: Int64 { blocks.reduce(0) { $0 + $1.byteCount } }

    /// Streams the dataset once and cuts it. Blocks are kept without their records, so memory stays small
    /// whatever the corpus size.
    /// - Parameter splitsSentences: also estimate repeated sentences (a pipeline of the dataset segments by
    ///   sentence); costs a split of the sampled records.
    /// - Parameter erased: the environment's erased documents, left out of the blocks.
    /// - Parameter spool: when given, the records of blocks the environment does not store yet are written
    ///   to it (for apply), while the returned blocks still keep no records.
    /// - Parameter kept: the environment's boundaries for this dataset (`PlanService.keptBoundaries`).
    public static func read(
        _ dataset: Dataset, projectRoot: String, httpClient: HTTPClient, spool: BlockSpool? = nil,
        splitsSentences: Bool = false, erased: ErasedDocuments, kept: Set<String> = [],
        progress: (Int) -> Void = { _ in }
    ) async throws -> DatasetCut {
        let stream = try await DatasetReader(dataset: dataset, projectRoot: projectRoot, httpClient: httpClient).open()
        var cutter = BlockCutter(sizing: BlockSizing(dataset), keepsRecords: spool != nil, keptBoundaries: kept)
        var lastRecordID: String?
        var blocks = CutBlockList()
        var records = 0
        var erasedCount = 0
        let erases = erased.hashes[dataset.name].map { !$0.isEmpty } ?? false
        var content = RecordsFingerprint()
        var repetition = RepetitionSample(splitsSentences: splitsSentences)
        let keep: (CutBlock) throws -> Void = { block in
            try spool?.append(block, dataset: dataset.name)
            blocks.append(block)  // without its records
        }
        let prefetcher = RecordPrefetcher(stream)
        do {
            while let batch = try prefetcher.next() {
                for record in batch {
                    lastRecordID = record.id
                    // The fingerprint is the source's (promotion compares sources); the blocks leave erased
                    // documents out.
                    content.add(record)
                    if erases, erased.contains(dataset: dataset.name, id: record.id) {
                        erasedCount += 1
                        try cutter.skip(record, emit: keep)
                        continue
                    }
                    records += 1
                    if !repetition.isFull { repetition.add(record.text) }
                    try cutter.add(record, emit: keep)
                    if records % 100_000 == 0 { progress(records) }
                }
            }
        } catch {
            prefetcher.stop()
            prefetcher.waitUntilEnded()
            throw error
        }
        prefetcher.waitUntilEnded()
        if let last = cutter.finish() { try keep(last) }
        var cut = DatasetCut(
            dataset: dataset, blocks: blocks, recordCount: records, skippedCount: stream.skippedCount,
            skipped: stream.skipped, fingerprint: stream.fingerprint, recordsFingerprint: content.finalize(),
            repetition: repetition)
        cut.erasedCount = erasedCount
        cut.keptBoundaries = cutter.keptBoundaries
        cut.lastRecordID = lastRecordID
        cut.erased = ErasedDocuments(hashes: erased.hashes.filter { $0.key == dataset.name })
        return cut
    }
}
