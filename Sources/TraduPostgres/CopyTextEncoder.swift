/// Encodes rows in COPY's text format: tab-separated fields, one line per row, `\N` for NULL, and backslash
/// escapes for backslash, tab, newline and carriage return so values can contain them.
struct CopyTextEncoder {
    private(set) var buffer: [UInt8] = []
    private(set) var rowCount = 0

    init(capacity: Int) {
        buffer.reserveCapacity(capacity)
    }

    mutating func append(_ row: [String?]) throws {
        for (index, field) in row.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            guard let field else {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0: throw PostgresError(kind: .misuse, message: "COPY value contains a NUL character")
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        rowCount += 1
    }

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
    }
}
