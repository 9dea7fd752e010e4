import TraduCore

/// YAML 1.2 core-schema resolution of plain scalars. Unlike YAML 1.1, `yes`/`no`/`on`/`off` are strings
/// and there are no sexagesimal numbers or timestamps.
enum CoreSchema {
    static func resolvePlain(_ text: String) -> Node.Value {
        if isNull(text) { return .null }
        if let bool = bool(text) { return .bool(bool) }
        if let number = integer(text) { return number }
        if let double = float(text) { return .float(double) }
        return .string(text)
    }

    static func isNull(_ text: String) -> Bool {
        switch text {
        case "", "~", "null", "Null", "NULL": true
        default: false
        }
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// `.int`, or `.float` when the digits do not fit in an `Int`; nil when `text` is not an integer.
    static func integer(_ text: String) -> Node.Value? {
        let utf8 = Array(text.utf8)
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0") {
            if utf8[1] == UInt8(ascii: "o") { return radixInteger(utf8[2...], radix: 8) }
            if utf8[1] == UInt8(ascii: "x") { return radixInteger(utf8[2...], radix: 16) }
        }
        var digits = utf8[...]
        if let sign = digits.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy(isDecimalDigit) else { return nil }
        if let value = Int(text) { return .int(value) }
        return Double(text).map(Node.Value.float)
    }

    /// A core-schema float, including `.inf`, `-.inf` and `.nan` in their three spellings; nil otherwise.
    static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard isFloatSyntax(Array(text.utf8)) else { return nil }
        return Double(text)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isFloatSyntax(_ bytes: [UInt8]) -> Bool {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < bytes.count, isDecimalDigit(bytes[index]) { index += 1 }
            return index - start
        }
        func consume(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        _ = consume("-+")
        if consume(".") {
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if consume(".") { _ = digits() }
        }
        if consume("eE") {
            _ = consume("-+")
            guard digits() > 0 else { return false }
        }
        return index == bytes.count
    }

    private static func radixInteger(_ digits: ArraySlice<UInt8>, radix: Int) -> Node.Value? {
        var value = 0
        var overflowed = false
        var approximate = 0.0
        for byte in digits {
            guard let digit = digitValue(byte), digit < radix else { return nil }
            approximate = approximate * Double(radix) + Double(digit)
            if !overflowed {
                let (shifted, o1) = value.multipliedReportingOverflow(by: radix)
                let (sum, o2) = shifted.addingReportingOverflow(digit)
                value = sum
                overflowed = o1 || o2
            }
        }
        return overflowed ? .float(approximate) : .int(value)
    }

    private static func isDecimalDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}
