import TraduCore

/// `format: csv`, RFC 4180: a header row naming the columns, fields separated by commas, quoted fields with
/// `""` for a quote and embedded commas and line breaks, CRLF or LF line ends. Blank lines are skipped.
///
/// Strict where RFC 4180 is: a quote inside an unquoted field, or text after a closing quote, makes the row a
/// bad record rather than a guess, as does a row whose field count differs from the header's.
final class CSVRecordParser: RecordParser {
    private let reader: LineReader
    private let idField: String
    private let textField: String
    let fileIndex: Int

    private var idColumn = 0
    private var textColumn = 0
    private var columnCount = 0
    private var readHeader = false

    /// The current row's fields, concatenated; `fieldEnds[i]` is where field i ends in `fieldBytes`.
    private var fieldBytes: [UInt8] = []
    private var fieldEnds: [Int] = []

    init(reader: LineReader, idField: String, textField: String, fileIndex: Int = 0) {
        self.reader = reader
        self.idField = idField
        self.textField = textField
        self.fileIndex = fileIndex
    }

    private enum Row {
        case fields(line: Int)
        case malformed(Diagnostic)
    }

    func next() throws(SourceError) -> ParsedRecord? {
        if !readHeader { try parseHeader() }
        while let row = try nextRow() {
            let line: Int
            switch row {
            case .malformed(let diagnostic): return .bad(diagnostic)
            case .fields(let start): line = start
            }
            let location = SourceLocation(file: reader.displayPath, line: line, column: 1)
            guard fieldEnds.count == columnCount else {
                return .bad(
                    Diagnostic(
                        at: location, "row has \(fieldEnds.count) fields, the header has \(columnCount)"))
            }
            guard let id = field(idColumn), let text = field(textColumn) else {
                let column = field(idColumn) == nil ? idField : textField
                return .bad(Diagnostic(at: location, "invalid UTF-8 in column '\(column)'"))
            }
            return .record(SourceRecord(id: id, text: text, location: location))
        }
        return nil
    }

    private func parseHeader() throws(SourceError) {
        readHeader = true
        let start = SourceLocation(file: reader.displayPath, line: 1, column: 1)
        guard let row = try nextRow() else {
            throw SourceError(.invalidSource, at: start, "csv file is empty; expected a header row")
        }
        if case .malformed(let diagnostic) = row { throw SourceError(.invalidSource, diagnostic) }
        let names = (0..<fieldEnds.count).map { field($0) ?? "" }
        columnCount = names.count
        for (wanted, setting) in [(idField, "idField"), (textField, "textField")] where !names.contains(wanted) {
            let list = names.map { "'\($0)'" }.joined(separator: ", ")
            throw SourceError(
                .invalidSource, at: start,
                "csv header has no column '\(wanted)' (spec.\(setting)); its columns are \(list)"
                    + Suggestion.didYouMean(wanted, in: names))
        }
        idColumn = names.firstIndex(of: idField)!
        textColumn = names.firstIndex(of: textField)!
    }

    /// Field `index` of the current row as a string, or nil if it is not valid UTF-8.
    private func field(_ index: Int) -> String? {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return fieldBytes[start..<fieldEnds[index]].withUnsafeBufferPointer { bytes in
            UTF8Validation.firstInvalidOffset(bytes) == nil ? String(decoding: bytes, as: UTF8.self) : nil
        }
    }

    /// Reads the next non-blank row into `fieldBytes`/`fieldEnds`, across lines while inside quotes.
    private func nextRow() throws(SourceError) -> Row? {
        fieldBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        var startLine = 0
        var inQuotes = false
        var quotedField = false
        var afterQuote = false
        var fieldStart = 0
        while let line = try reader.nextLine() {
            if startLine == 0 {
                if line.isEmpty || (line.count == 1 && line[0] == 0x0D) { continue }
                startLine = reader.lineNumber
            }
            var index = 0
            while index < line.count {
                let byte = line[index]
                if inQuotes {
                    if byte == 0x22 {
                        if index + 1 < line.count && line[index + 1] == 0x22 {
                            fieldBytes.append(0x22)
                            index += 1
                        } else {
                            inQuotes = false
                            afterQuote = true
                        }
                    } else {
                        fieldBytes.append(byte)
                    }
                } else if byte == 0x2C {
                    fieldEnds.append(fieldBytes.count)
                    fieldStart = fieldBytes.count
                    quotedField = false
                    afterQuote = false
                } else if byte == 0x0D && index == line.count - 1 {
                    break  // CRLF line end
                } else if afterQuote {
                    return malformed("unexpected character after a closing quote", line, index)
                } else if byte == 0x22 {
                    guard fieldBytes.count == fieldStart && !quotedField else {
                        return malformed("quote inside an unquoted field (quote the whole field)", line, index)
                    }
                    inQuotes = true
                    quotedField = true
                } else {
                    fieldBytes.append(byte)
                }
                index += 1
            }
            if inQuotes {
                fieldBytes.append(0x0A)  // the line break is part of the quoted field
                continue
            }
            fieldEnds.append(fieldBytes.count)
            return .fields(line: startLine)
        }
        guard startLine != 0 else { return nil }
        return .malformed(
            Diagnostic(
                at: SourceLocation(file: reader.displayPath, line: startLine, column: 1),
                "quoted field is not closed before the end of the file"))
    }

    private func malformed(_ message: String, _ line: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Row {
        .malformed(
            Diagnostic(
                at: SourceLocation(
                    file: reader.displayPath, line: reader.lineNumber,
                    column: UTF8Validation.column(ofOffset: offset, in: line)),
                message))
    }
}
