import TraduCore

/// `format: jsonl`: one JSON object per line, blank lines skipped.
final class JSONLRecordParser: RecordParser {
    private let reader: LineReader
    private var scanner: JSONRecordScanner
    let fileIndex: Int

    init(reader: LineReader, idField: String, textField: String, fileIndex: Int = 0) {
        self.reader = reader
        self.scanner = JSONRecordScanner(idField: idField, textField: textField)
        self.fileIndex = fileIndex
    }

    func next() throws(SourceError) -> ParsedRecord? {
        while let line = try reader.nextLine() {
            switch scanner.scan(line) {
            case .blank:
                continue
            case .record(let id, let text):
                return .record(
                    SourceRecord(
                        id: id, text: text,
                        location: SourceLocation(file: reader.displayPath, line: reader.lineNumber, column: 1)))
            case .invalid(let error):
                let column = UTF8Validation.column(ofOffset: error.offset, in: line)
                return .bad(
                    Diagnostic(
                        at: SourceLocation(file: reader.displayPath, line: reader.lineNumber, column: column),
                        error.message))
            }
        }
        return nil
    }
}
