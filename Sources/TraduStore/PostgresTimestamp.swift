/// PostgreSQL's text for a `timestamptz` written with `DateStyle = ISO` and `TimeZone = UTC`
/// (`2026-12-04 15:53:35.777123+00`; the fraction is left out when zero and written without trailing zeros) as
/// RFC 3339 in UTC with milliseconds, truncated as `to_char(... 'MS')` truncates: `2026-12-04T15:53:35.777Z`.
/// nil for any other text (another style or zone, a year before 1 or after 9999).
enum PostgresTimestamp {
    static func rfc3339Milliseconds(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        // "YYYY-MM-DD HH:MM:SS" then an optional ".fraction", then "+00".
        guard bytes.count >= 22, bytes[10] == UInt8(ascii: " "), bytes.suffix(3).elementsEqual(utcSuffix) else {
            return nil
        }
        guard digitPositions.allSatisfy({ isDigit(bytes[$0]) }), bytes[4] == UInt8(ascii: "-"),
            bytes[7] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        let fraction = bytes[19..<(bytes.count - 3)]
        var milliseconds: [UInt8] = []
        if !fraction.isEmpty {
            guard fraction.first == UInt8(ascii: "."), fraction.count >= 2, fraction.dropFirst().allSatisfy(isDigit)
            else { return nil }
            milliseconds = Array(fraction.dropFirst().prefix(3))
        }
        while milliseconds.count < 3 { milliseconds.append(UInt8(ascii: "0")) }
        var result = Array(bytes[0..<10])
        result.append(UInt8(ascii: "T"))
        result += bytes[11..<19]
        result.append(UInt8(ascii: "."))
        result += milliseconds
        result.append(UInt8(ascii: "Z"))
        return String(decoding: result, as: UTF8.self)
    }

    /// Read once per event by the stream's reader: built once, not per call.
    private static let utcSuffix = Array("+00".utf8)
    private static let digitPositions = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
