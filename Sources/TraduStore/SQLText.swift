/// Small SQL text builders for values that travel as text parameters.
enum SQLText {
    /// `expression` (a timestamptz) as RFC 3339 in UTC with whole seconds, e.g. `2026-11-23T10:00:00Z`.
    static func rfc3339(_ expression: String) -> String {
        "to_char(\(expression) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    /// A PostgreSQL array literal (`{"a","b\\"c",NULL}`) to pass as one parameter and `unnest`: bulk updates
    /// in one statement instead of one per row. Every element is quoted, so any text is safe.
    static func arrayLiteral(_ elements: some Sequence<String?>) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        for element in elements {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            guard var element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            // Runs between the bytes to escape go in whole: records are long and escapes few.
            element.withUTF8 { utf8 in
                var start = 0
                for (index, byte) in utf8.enumerated()
                where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    bytes.append(contentsOf: utf8[start..<index])
                    bytes.append(UInt8(ascii: "\\"))
                    start = index
                }
                bytes.append(contentsOf: utf8[start...])
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
