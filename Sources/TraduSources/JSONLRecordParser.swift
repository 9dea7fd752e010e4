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
                // A NUL can only come from a `\u0000` escape: point at it (RecordStream refuses the record).
                var column = 1
                if text.containsNUL, let offset = Self.offset(of: Array("\\u0000".utf8), in: line) {
                    column = UTF8Validation.column(ofOffset: offset, in: line)
                }
                return .record(
                    SourceRecord(
                        id: id, text: text,
                        location: SourceLocation(file: reader.displayPath, line: reader.lineNumber, column: column)))
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

    static func offset(of needle: [UInt8], in line: UnsafeBufferPointer<UInt8>) -> Int? {
        guard line.count >= needle.count else { return nil }
        for start in 0...(line.count - needle.count) where line[start] == needle[0] {
            if (0..<needle.count).allSatisfy({ line[start + $0] == needle[$0] }) { return start }
        }
        return nil
    }
}
