#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Writes to standard output and standard error by file descriptor (the C `stdout`/`stderr` globals are
/// not concurrency-safe in Swift 6).
enum Console {
    static func out(_ text: String) { write(1, text + "\n") }
    static func error(_ text: String) { write(2, text + "\n") }
    /// Without a newline, for progress lines redrawn in place.
    static func errorInline(_ text: String) { write(2, text) }

    static var isTerminal: Bool { isatty(1) == 1 }
    static var isStandardErrorTerminal: Bool { isatty(2) == 1 }
    static var isInputTerminal: Bool { isatty(0) == 1 }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
