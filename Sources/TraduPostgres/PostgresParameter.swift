/// A statement parameter (`PostgresConnection.query(_:binding:)`).
///
/// `text` goes in text format, for the server to parse as the type the statement gives it, as
/// `query(_:_:)` sends every parameter. The arrays go in binary format, one dimension each: the server reads each
/// element by its length (`array_recv`) instead of parsing a literal character by character (`array_in`). A
/// completion's batch carries every block's records, several hundred bytes each with quotes to unescape, and
/// parsing those literals was about 5% of the server's CPU in a run (`perf`, `tradu-bench run`, 2026-12-05).
public enum PostgresParameter: Sendable, Hashable {
    case text(String?)
    /// A `text[]`; nil elements are NULL.
    case textArray([String?])
    /// An `int[]` (`int4[]`): each element must fit in 32 bits.
    case intArray([Int])
    /// A `bigint[]` (`int8[]`); nil elements are NULL.
    case bigintArray([Int64?])

    /// The array type's OID, or 0 for text (the server infers it from the statement).
    var typeOID: UInt32 {
        switch self {
        case .text: 0
        case .textArray: 1009
        case .intArray: 1007
        case .bigintArray: 1016
        }
    }

    /// `array_send`'s form: dimensions (0 when empty), whether any element is NULL, the element type's OID, the
    /// one dimension's length and lower bound (1), then each element as a length (-1 for NULL) and its bytes.
    /// Nil for `text`. Throws for an element the server would refuse (a NUL in text) or could not hold.
    func binary(position: Int) throws -> [UInt8]? {
        var encoder = ArrayEncoder()
        switch self {
        case .text:
            return nil
        case .textArray(let elements):
            try encoder.array(elements, elementType: 25) { encoder, element in
                var element = element
                try element.withUTF8 { bytes in
                    guard !bytes.contains(0) else {
                        throw PostgresError(kind: .misuse, message: "query parameter $\(position) contains NUL")
                    }
                    guard bytes.count <= Int32.max else {
                        throw PostgresError(kind: .misuse, message: "query parameter $\(position) is over 2 GiB")
                    }
                    encoder.int32(Int32(bytes.count))
                    encoder.bytes.append(contentsOf: bytes)
                }
            }
        case .intArray(let elements):
            try encoder.array(elements, elementType: 23) { encoder, element in
                guard let value = Int32(exactly: element) else {
                    throw PostgresError(
                        kind: .misuse, message: "query parameter $\(position): \(element) does not fit in an int")
                }
                encoder.int32(4)
                encoder.int32(value)
            }
        case .bigintArray(let elements):
            encoder.array(elements, elementType: 20) { encoder, element in
                encoder.int32(8)
                encoder.int64(element)
            }
        }
        return encoder.bytes
    }
}

/// Big-endian integers and array headers into a byte buffer.
private struct ArrayEncoder {
    var bytes: [UInt8] = []

    /// The header, then each element: -1 for NULL (nil), otherwise what `encode` writes (its length and bytes).
    mutating func array<Element>(
        _ elements: [Element?], elementType: Int32, _ encode: (inout ArrayEncoder, Element) throws -> Void
    ) rethrows {
        header(elementType: elementType, count: elements.count, hasNulls: elements.contains { $0 == nil })
        for element in elements {
            if let element { try encode(&self, element) } else { int32(-1) }
        }
    }

    private mutating func header(elementType: Int32, count: Int, hasNulls: Bool) {
        int32(count == 0 ? 0 : 1)
        int32(hasNulls ? 1 : 0)
        int32(elementType)
        if count > 0 {
            int32(Int32(count))
            int32(1)
        }
    }

    mutating func int32(_ value: Int32) {
        let bits = UInt32(bitPattern: value)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((bits >> UInt32(shift)) & 0xFF)) }
    }

    mutating func int64(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((bits >> UInt64(shift)) & 0xFF)) }
    }
}
