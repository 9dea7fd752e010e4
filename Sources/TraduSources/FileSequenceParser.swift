/// Reads the files of a glob one after another with a per-file parser, opening each only when the previous
/// one is done, so a glob of thousands of files holds one descriptor at a time.
final class FileSequenceParser: RecordParser {
    private let files: [SourceFile]
    private let makeParser: (SourceFile, Int) throws(SourceError) -> any RecordParser
    private var current: (any RecordParser)?
    private var nextFile = 0

    init(files: [SourceFile], makeParser: @escaping (SourceFile, Int) throws(SourceError) -> any RecordParser) {
        self.files = files
        self.makeParser = makeParser
    }

    var fileIndex: Int { current?.fileIndex ?? 0 }

    func next() throws(SourceError) -> ParsedRecord? {
        while true {
            if let current, let record = try current.next() { return record }
            guard nextFile < files.count else {
                current = nil
                return nil
            }
            current = nil
            current = try makeParser(files[nextFile], nextFile)
            nextFile += 1
        }
    }
}
