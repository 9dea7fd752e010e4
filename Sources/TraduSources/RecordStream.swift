import TraduCore

/// A dataset's records, pulled one at a time: the planner asks for the next record when it has room for it,
/// so a corpus of any size is read in constant memory (besides the set of ids seen, needed to catch
/// duplicates).
///
/// Not `Sendable`: a stream belongs to the one task that reads it. Reads are plain blocking file reads of
/// 4 MiB chunks; the network part of a URL source happens in `DatasetReader.open()`.
public final class RecordStream {
    /// At most this many diagnostics are kept in `skipped`; `skippedCount` counts them all.
    public static let maxSkippedDiagnostics = 100

    /// The source's state when it was opened; equal fingerprints mean a re-plan may reuse the last result.
    public let fingerprint: SourceFingerprint
    /// The first bad records skipped under `onInvalidRecord: skip`, in reading order.
    public private(set) var skipped: [Diagnostic] = []
    /// Every bad record skipped so far.
    public private(set) var skippedCount = 0

    private let dataset: String
    private let policy: Dataset.InvalidRecordPolicy
    private let parser: any RecordParser
    private let fileNames: [String]
    /// Each id seen, with where it was first seen packed as `fileIndex << 32 | line` (8 bytes, not a
    /// `SourceLocation`, for million-record corpora).
    private var seen: [String: Int] = [:]
    private var finished = false

    init(
        dataset: String, policy: Dataset.InvalidRecordPolicy, parser: any RecordParser, fileNames: [String],
        fingerprint: SourceFingerprint
    ) {
        self.dataset = dataset
        self.policy = policy
        self.parser = parser
        self.fileNames = fileNames
        self.fingerprint = fingerprint
    }

    /// The next record, or nil when the source is exhausted. Under `onInvalidRecord: fail` the first bad record
    /// throws (kind `badRecord`); under `skip` it is counted and reading goes on. Errors that are not about one
    /// record (I/O, a CSV header without the id column) always throw. After a throw the stream is finished.
    public func next() throws(SourceError) -> SourceRecord? {
        guard !finished else { return nil }
        do {
            while let parsed = try parser.next() {
                switch parsed {
                case .record(let record):
                    if let problem = checkID(record) ?? checkText(record) {
                        try reject(problem)
                    } else {
                        return record
                    }
                case .bad(let diagnostic):
                    try reject(diagnostic)
                }
            }
            finished = true
            return nil
        } catch {
            finished = true
            throw error.inDataset(dataset)
        }
    }

    /// A NUL character in the text: no engine answers it faithfully and PostgreSQL text cannot store it, so it is
    /// refused here, named, instead of failing its whole block at run time. Parsers that know where the NUL is
    /// (a JSONL `\u0000` escape) put it in the record's location.
    private func checkText(_ record: SourceRecord) -> Diagnostic? {
        guard record.text.utf8.contains(0) else { return nil }
        return Diagnostic(
            at: record.location,
            "the text of record '\(record.id)' contains a NUL character (U+0000), which no engine can translate"
                + " faithfully and PostgreSQL cannot store")
    }

    /// Empty and duplicate ids, which every format can produce. The first record with an id wins.
    private func checkID(_ record: SourceRecord) -> Diagnostic? {
        if record.id.isEmpty { return Diagnostic(at: record.location, "record has an empty id") }
        let place = parser.fileIndex << 32 | min(record.location.line, Int(UInt32.max))
        guard let first = seen.updateValue(place, forKey: record.id) else { return nil }
        seen[record.id] = first
        let firstFile = fileNames.indices.contains(first >> 32) ? fileNames[first >> 32] : record.location.file
        let firstLine = first & 0xFFFF_FFFF
        let whereFirst = firstFile == record.location.file ? "line \(firstLine)" : "\(firstFile):\(firstLine)"
        return Diagnostic(at: record.location, "duplicate id '\(record.id)' (first seen at \(whereFirst))")
    }

    private func reject(_ diagnostic: Diagnostic) throws(SourceError) {
        guard policy == .skip else { throw SourceError(.badRecord, diagnostic) }
        skippedCount += 1
        if skipped.count < Self.maxSkippedDiagnostics { skipped.append(diagnostic) }
    }
}
