/// A block identity (a content hash or a work item id) as the planner holds it: tradu's own 32 lowercase hex digits
/// in two integers, where the string would be a heap allocation of its own (an environment of 10M blocks holds
/// several identities per block while it plans). Any other text, as hand-made rows in tests have, is kept as it is,
/// so every identity round-trips; construction picks the form, so equal texts are equal identities.
public enum CompactID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    case digest(UInt64, UInt64)
    case text(String)

    public init(_ text: String) {
        self = Self.parse(text).map { .digest($0.0, $0.1) } ?? .text(text)
    }

    public init(stringLiteral text: String) {
        self.init(text)
    }

    /// The identity as text: what SQL, logs and plans show.
    public var string: String {
        switch self {
        case .digest(let high, let low): Self.hex(high, low)
        case .text(let text): text
        }
    }

    public var description: String { string }

    /// Orders as the texts do (lowercase hex orders as the numbers it stands for).
    public static func < (a: CompactID, b: CompactID) -> Bool {
        if case .digest(let ah, let al) = a, case .digest(let bh, let bl) = b { return (ah, al) < (bh, bl) }
        return a.string < b.string
    }

    private static func parse(_ text: String) -> (UInt64, UInt64)? {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var count = 0
        for byte in text.utf8 {
            let value: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(byte - UInt8(ascii: "a") + 10)
            default: return nil
            }
            if count < 16 { high = high << 4 | value } else if count < 32 { low = low << 4 | value } else { return nil }
            count += 1
        }
        return count == 32 ? (high, low) : nil
    }

    /// Calls `body` with the identity's text as UTF-8, written on the stack for digits (no string is made).
    public func withDigits<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        switch self {
        case .digest(let high, let low):
            return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
                Self.write(high, low, into: buffer)
                return try body(UnsafeBufferPointer(buffer))
            }
        case .text(var text):
            return try text.withUTF8(body)
        }
    }

    /// The 32 digits of both halves, written in place (no digit table or string built per call).
    private static func hex(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            write(high, low, into: buffer)
            return 32
        }
    }

    private static func write(_ high: UInt64, _ low: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>) {
        for index in 0..<16 {
            buffer[index] = digit(high >> UInt64(60 - 4 * index) & 0xF)
            buffer[16 + index] = digit(low >> UInt64(60 - 4 * index) & 0xF)
        }
    }

    /// The lowercase hex digit of a value below 16.
    static func digit(_ value: UInt64) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + UInt8(value) : UInt8(ascii: "a") + UInt8(value - 10)
    }
}
