/// A value for `COPY ... FROM STDIN (FORMAT binary)`. Text goes as its UTF-8 bytes (the binary form of `text`),
/// integers big-endian: the server stores them without scanning for escapes, which matters for gigabytes.
public enum CopyBinaryValue: Sendable, Hashable {
    case text(String)
    case int32(Int32)
    case int64(Int64)
    /// A `bigint[]` of one dimension.
    case int64Array([Int64])
    /// A `uuid[]` of one dimension: 16 bytes per element, back to back.
    case uuidArray(bytes: [UInt8])
}

/// Encodes rows in COPY's binary format: the signature and header first, then per row a field count and
/// each field as a length (-1 for NULL) and its bytes, and a trailer once all rows are in.
struct CopyBinaryEncoder: CopyRowEncoder {
    private(set) var buffer: [UInt8] = []
    private(set) var rowCount = 0

    init(capacity: Int) {
        buffer.reserveCapacity(capacity)
        // "PGCOPY\n\xFF\r\n\0", then 32-bit flags (0: no OIDs) and header extension length (0).
        buffer.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        appendInt32(0)
        appendInt32(0)
    }

    mutating func append(_ row: [CopyBinaryValue?]) throws {
        appendInt16(Int16(row.count))
        for value in row {
            switch value {
            case nil:
                appendInt32(-1)
            case .int32(let number):
                appendInt32(4)
                appendInt32(number)
            case .int64(let number):
                appendInt32(8)
                appendInt64(number)
            case .int64Array(let numbers):
                appendArrayHeader(elementType: 20, count: numbers.count, elementSize: 8)
                for number in numbers {
                    appendInt32(8)
                    appendInt64(number)
                }
            case .uuidArray(let bytes):
                guard bytes.count % 16 == 0 else {
                    throw PostgresError(kind: .misuse, message: "a uuid array needs 16 bytes per element")
                }
                appendArrayHeader(elementType: 2950, count: bytes.count / 16, elementSize: 16)
                for start in stride(from: 0, to: bytes.count, by: 16) {
                    appendInt32(16)
                    buffer.append(contentsOf: bytes[start..<start + 16])
                }
            case .text(var text):
                try text.withUTF8 { bytes in
                    // The server would refuse it too, with a less helpful message.
                    if bytes.contains(0) {
                        throw PostgresError(kind: .misuse, message: "COPY value contains a NUL character")
                    }
                    guard bytes.count <= Int32.max else {
                        throw PostgresError(kind: .misuse, message: "COPY value is larger than 2 GiB")
                    }
                    appendInt32(Int32(bytes.count))
                    buffer.append(contentsOf: bytes)
                }
            }
        }
        rowCount += 1
    }

    /// The field's length, then `array_send`'s header: dimensions (0 when empty), no NULLs, the element type's
    /// OID, and the one dimension's length and lower bound (1).
    private mutating func appendArrayHeader(elementType: UInt32, count: Int, elementSize: Int) {
        let header = count == 0 ? 12 : 20
        appendInt32(Int32(header + count * (4 + elementSize)))
        appendInt32(count == 0 ? 0 : 1)
        appendInt32(0)
        appendInt32(Int32(bitPattern: elementType))
        if count > 0 {
            appendInt32(Int32(count))
            appendInt32(1)
        }
    }

    mutating func finish() {
        appendInt16(-1)
    }

    mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func appendInt16(_ value: Int16) {
        let bits = UInt16(bitPattern: value)
        buffer.append(UInt8(bits >> 8))
        buffer.append(UInt8(bits & 0xFF))
    }

    private mutating func appendInt32(_ value: Int32) {
        let bits = UInt32(bitPattern: value)
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8((bits >> UInt32(shift)) & 0xFF)) }
    }

    private mutating func appendInt64(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8((bits >> UInt64(shift)) & 0xFF)) }
    }
}
