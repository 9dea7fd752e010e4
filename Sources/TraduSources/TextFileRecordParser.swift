import Glibc
import TraduCore

/// `format: text`: each file is one document, its id the path relative to the folder or glob base.
final class TextFileRecordParser: RecordParser {
    /// Larger files are bad records: a document this size is almost surely not meant for a translation model.
    static let maxFileBytes = 256 << 20

    private let files: [SourceFile]
    private var nextFile = 0
    private(set) var fileIndex = 0

    init(files: [SourceFile]) {
        self.files = files
    }

    func next() throws(SourceError) -> ParsedRecord? {
        guard nextFile < files.count else { return nil }
        let file = files[nextFile]
        fileIndex = nextFile
        nextFile += 1
        let location = SourceLocation(file: file.displayPath, line: 1, column: 1)
        var bytes = try Self.readAll(file, location: location)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return bytes.withUnsafeBufferPointer { buffer in
            if buffer.count > Self.maxFileBytes {
                return .bad(Diagnostic(at: location, "file is larger than \(Self.maxFileBytes >> 20) MiB"))
            }
            if let bad = UTF8Validation.firstInvalidOffset(buffer) {
                let (line, column) = UTF8Validation.lineAndColumn(ofOffset: bad, in: buffer)
                return .bad(
                    Diagnostic(at: SourceLocation(file: file.displayPath, line: line, column: column), "invalid UTF-8"))
            }
            return .record(
                SourceRecord(id: file.relativePath, text: String(decoding: buffer, as: UTF8.self), location: location))
        }
    }

    private static func readAll(_ file: SourceFile, location: SourceLocation) throws(SourceError) -> [UInt8] {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SourceError(.io, at: location, "cannot open file: \(currentErrno().text)")
        }
        defer { close(descriptor) }
        let expected = Int(FileStatus.of(descriptor: descriptor)?.size ?? 0)
        var bytes = [UInt8](repeating: 0, count: max(4096, min(expected, maxFileBytes) + 1))
        var used = 0
        while used <= maxFileBytes {
            if used == bytes.count { bytes.append(contentsOf: repeatElement(0, count: bytes.count)) }
            let count = bytes.withUnsafeMutableBufferPointer {
                read(descriptor, $0.baseAddress! + used, $0.count - used)
            }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw SourceError(.io, at: location, "cannot read file: \(currentErrno().text)")
            }
            used += count
        }
        bytes.removeSubrange(used...)
        return bytes
    }
}
