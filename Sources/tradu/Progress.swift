#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// A one-line progress indicator on standard error, only when it is a terminal (logs and pipes stay clean).
enum Progress {
    static func records(dataset: String, count: Int) {
        guard Console.isStandardErrorTerminal else { return }
        Console.errorInline("\r\u{1B}[2Kreading \(dataset): \(count) records…")
    }

    static func line(_ text: String) {
        guard Console.isStandardErrorTerminal else { return }
        Console.errorInline("\r\u{1B}[2K\(text)")
    }

    static func clear() {
        guard Console.isStandardErrorTerminal else { return }
        Console.errorInline("\r\u{1B}[2K")
    }
}
