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
    /// Each id seen, with where it was first seen as a line number counted across the files (`place`).
    private var seen = SeenRecordIDs()
    /// Where each file's lines begin in that count: the last place counted before its first record.
    private var fileStarts: [UInt32] = [0]
    private var lastPlace: UInt32 = 0
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
        guard record.text.containsNUL else { return nil }
        return Diagnostic(
            at: record.location,
            "the text of record '\(record.id)' contains a NUL character (U+0000), which no engine can translate"
                + " faithfully and PostgreSQL cannot store")
    }

    /// Empty and duplicate ids, which every format can produce. The first record with an id wins.
    private func checkID(_ record: SourceRecord) -> Diagnostic? {
        if record.id.isEmpty { return Diagnostic(at: record.location, "record has an empty id") }
        guard let first = seen.insert(record.id, place: place(of: record)) else { return nil }
        let whereFirst: String
        if let (fileIndex, line) = location(ofPlace: first) {
            let firstFile = fileNames.indices.contains(fileIndex) ? fileNames[fileIndex] : record.location.file
            whereFirst = firstFile == record.location.file ? "line \(line)" : "\(firstFile):\(line)"
        } else {
            whereFirst = "an earlier line"
        }
        return Diagnostic(at: record.location, "duplicate id '\(record.id)' (first seen at \(whereFirst))")
    }

    /// A record's line counted across the files (4 bytes where a file index and a line took 8); `UInt32.max` past
    /// four billion lines, where the first place of a duplicate is no longer named.
    private func place(of record: SourceRecord) -> UInt32 {
        let fileIndex = parser.fileIndex
        while fileStarts.count <= fileIndex { fileStarts.append(lastPlace) }
        let place = Int(fileStarts[fileIndex]) + max(record.location.line, 1)
        guard place < Int(UInt32.max) else { return UInt32.max }
        lastPlace = max(lastPlace, UInt32(place))
        return UInt32(place)
    }

    /// The file index and line of a place `place(of:)` gave.
    private func location(ofPlace place: UInt32) -> (Int, Int)? {
        guard place != UInt32.max else { return nil }
        // The last file whose lines begin before the place (files without records begin where the next does).
        guard let fileIndex = fileStarts.lastIndex(where: { $0 < place }) else { return nil }
        return (fileIndex, Int(place - fileStarts[fileIndex]))
    }

    private func reject(_ diagnostic: Diagnostic) throws(SourceError) {
        guard policy == .skip else { throw SourceError(.badRecord, diagnostic) }
        skippedCount += 1
        if skipped.count < Self.maxSkippedDiagnostics { skipped.append(diagnostic) }
    }
}
