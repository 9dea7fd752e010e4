import TraduCore

/// Wording and positions for libyaml's reader errors, which carry a byte offset instead of a line and column.
enum LibYAMLErrors {
    static func readerDiagnostic(
        problem: String, offset: Int, value: Int, input: UnsafeBufferPointer<UInt8>, file: String
    ) -> Diagnostic {
        var at = location(ofByte: offset, in: input, file: file)
        let message: String
        if problem == "invalid trailing UTF-8 octet", offset < input.count {
            // libyaml points at the bad continuation byte; people need the start of the broken sequence.
            var start = offset
            while start > 0, start > offset - 4, input[start - 1] & 0xC0 == 0x80 { start -= 1 }
            if start > 0 { start -= 1 }
            at = location(ofByte: start, in: input, file: file)
            let bytes = input[start...offset].map { "0x" + hex(Int($0), digits: 2).lowercased() }
            message = "invalid UTF-8 (bytes \(bytes.joined(separator: " ")) do not form a character)"
        } else if problem.contains("UTF-8") {
            message =
                value >= 0
                ? "invalid UTF-8 (byte 0x\(hex(value, digits: 2).lowercased()))" : "invalid UTF-8 (\(problem))"
        } else if problem == "control characters are not allowed" {
            message = "control character U+\(hex(value, digits: 4)) is not allowed"
        } else if value >= 0 {
            message = "\(problem) (U+\(hex(value, digits: 4)))"
        } else {
            message = problem
        }
        return Diagnostic(at: at, message)
    }

    /// The 1-based line and column (in characters, as libyaml counts them) of a byte offset.
    static func location(ofByte offset: Int, in input: UnsafeBufferPointer<UInt8>, file: String) -> SourceLocation {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, input.count)
        while index < end {
            let byte = input[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                // CR LF is one line break.
                if byte == UInt8(ascii: "\r"), index + 1 < end, input[index + 1] == UInt8(ascii: "\n") {
                    index += 1
                }
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    private static func hex(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
