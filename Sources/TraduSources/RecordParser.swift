import TraduCore

/// What a format parser yields: a record, or a bad record the stream reports or skips by policy.
enum ParsedRecord {
    case record(SourceRecord)
    case bad(Diagnostic)
}

/// One format's reader over one or more files. `RecordStream` adds what is common to every format: empty and
/// duplicate ids, and the skip-or-fail policy.
protocol RecordParser: AnyObject {
    /// The next record, or nil at the end of the source. Throws only for problems that end the whole read
    /// (I/O errors, a CSV header without the id column); bad records come back as `.bad`.
    func next() throws(SourceError) -> ParsedRecord?

    /// Index of the file the last record came from, among the source's files (0 for a single file).
    var fileIndex: Int { get }
}
