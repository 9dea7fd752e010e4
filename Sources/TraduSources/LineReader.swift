import Glibc
import TraduCore

/// Reads a file in large chunks and hands out its lines as views into its own buffer: no copy and no
/// allocation per line, which is what lets the JSONL path run at disk speed.
///
/// A line is valid until the next call. It excludes the `\n` but keeps a `\r` before it (CSV needs to tell
/// a CRLF line end from a `\r` inside a quoted field; the other formats drop it). A UTF-8 byte order mark at
/// the start of the file is skipped. A line longer than `maxLineBytes` is an error: it means a broken file or
/// the wrong format, not a document.
final class LineReader {
    static let chunkBytes = 4 << 20
    static let maxLineBytes = 512 << 20

    /// Relative to the project directory (or the redacted URL), for diagnostics.
    let displayPath: String
    /// 1-based number of the line last returned.
    private(set) var lineNumber = 0

    private let descriptor: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    private var checkedByteOrderMark = false

    /// Takes ownership of `descriptor` and closes it on deinit.
    init(descriptor: Int32, displayPath: String) {
        self.descriptor = descriptor
        self.displayPath = displayPath
        capacity = Self.chunkBytes
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        close(descriptor)
    }

    /// Opens `path` for reading.
    static func open(path: String, displayPath: String) throws(SourceError) -> LineReader {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SourceError(
                .io, at: SourceLocation(file: displayPath, line: 1, column: 1),
                "cannot open file: \(currentErrno().text)")
        }
        return LineReader(descriptor: descriptor, displayPath: displayPath)
    }

    /// The next line, or nil at the end of the file.
    func nextLine() throws(SourceError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if start < end, let newline = memchr(buffer + start, 0x0A, end - start) {
                let lineEnd = newline.assumingMemoryBound(to: UInt8.self) - buffer
                let line = UnsafeBufferPointer(start: buffer + start, count: lineEnd - start)
                start = lineEnd + 1
                lineNumber += 1
                return line
            }
            if atEndOfFile {
                guard start < end else { return nil }
                let line = UnsafeBufferPointer(start: buffer + start, count: end - start)
                start = end
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    /// Moves the partial line to the front, grows the buffer if the partial line fills it, and reads more.
    private func fill() throws(SourceError) {
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            end -= start
            start = 0
        }
        if end == capacity {
            guard capacity < Self.maxLineBytes else {
                throw SourceError(
                    .badRecord, at: SourceLocation(file: displayPath, line: lineNumber + 1, column: 1),
                    "line is longer than \(Self.maxLineBytes >> 20) MiB")
            }
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            larger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = larger
            capacity *= 2
        }
        while true {
            let count = read(descriptor, buffer + end, capacity - end)
            if count > 0 {
                end += count
                break
            }
            if count == 0 {
                atEndOfFile = true
                break
            }
            if errno == EINTR { continue }
            throw SourceError(
                .io, at: SourceLocation(file: displayPath, line: lineNumber + 1, column: 1),
                "cannot read file: \(currentErrno().text)")
        }
        if !checkedByteOrderMark {
            checkedByteOrderMark = true
            if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The line without a trailing `\r` (a CRLF file read line by line).
    var droppingCarriageReturn: UnsafeBufferPointer<UInt8> {
        guard let last, last == 0x0D else { return self }
        return UnsafeBufferPointer(rebasing: self[0..<(count - 1)])
    }

    /// Whether the line holds only spaces, tabs and `\r`.
    var isBlank: Bool {
        allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
