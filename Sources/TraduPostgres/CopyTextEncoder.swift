/// Turns rows into COPY data, chunk by chunk: `buffer` is sent and `reset()` whenever it is large enough, and
/// `finish()` adds what must follow the last row.
protocol CopyRowEncoder {
    associatedtype Row
    init(capacity: Int)
    var buffer: [UInt8] { get }
    var rowCount: Int { get }
    mutating func append(_ row: Row) throws
    mutating func finish()
    mutating func reset()
}

/// Encodes rows in COPY's text format: tab-separated fields, one line per row, `\N` for NULL, and backslash
/// escapes for backslash, tab, newline and carriage return so values can contain them.
struct CopyTextEncoder: CopyRowEncoder {
    private(set) var buffer: [UInt8] = []
    private(set) var rowCount = 0

    init(capacity: Int) {
        buffer.reserveCapacity(capacity)
    }

    mutating func append(_ row: [String?]) throws {
        for (index, field) in row.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard var field else {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            // Runs without special bytes are copied whole; this loop carries gigabytes on apply.
            try field.withUTF8 { bytes in
                var runStart = 0
                for index in bytes.indices {
                    let byte = bytes[index]
                    guard byte <= UInt8(ascii: "\r") || byte == UInt8(ascii: "\\") else { continue }
                    let escaped: UInt8
                    switch byte {
                    case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
                    case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
                    case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
                    case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
                    case 0: throw PostgresError(kind: .misuse, message: "COPY value contains a NUL character")
                    default: continue
                    }
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    buffer.append(UInt8(ascii: "\\"))
                    buffer.append(escaped)
                    runStart = index + 1
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
    }

    mutating func finish() {}

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
    }
}
