import TraduCore

/// `format: lines`: one document per non-blank line; the id is the 1-based line number, so ids stay stable
/// when lines are appended (not when they are inserted).
final class LinesRecordParser: RecordParser {
    private let reader: LineReader
    let fileIndex: Int

    init(reader: LineReader, fileIndex: Int = 0) {
        self.reader = reader
        self.fileIndex = fileIndex
    }

    func next() throws(SourceError) -> ParsedRecord? {
        while let raw = try reader.nextLine() {
            if raw.isBlank { continue }
            let line = raw.droppingCarriageReturn
            let location = SourceLocation(file: reader.displayPath, line: reader.lineNumber, column: 1)
            if let bad = UTF8Validation.firstInvalidOffset(line) {
                var at = location
                at.column = UTF8Validation.column(ofOffset: bad, in: line)
                return .bad(Diagnostic(at: at, "invalid UTF-8"))
            }
            return .record(
                SourceRecord(
                    id: String(reader.lineNumber), text: String(decoding: line, as: UTF8.self), location: location))
        }
        return nil
    }
}
