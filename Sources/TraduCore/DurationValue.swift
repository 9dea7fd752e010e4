/// A duration written in a manifest: `500ms`, `2s`, `5m`, `1h` (a decimal number and one unit).
public struct DurationValue: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func seconds(_ value: Int64) -> DurationValue { DurationValue(milliseconds: value * 1000) }

    public var seconds: Double { Double(milliseconds) / 1000 }

    /// The hint shown when a duration does not parse.
    public static let syntaxHint = "use a number and a unit: 500ms, 2s, 5m, 1h, 30d"

    /// Parses `text`, or returns nil when it is not a valid duration.
    public init?(parsing text: String) {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (unit, factor) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            // "5ms" also ends in "s": only accept when the rest is a plain decimal number.
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                number.first != ".", number.last != ".", number.filter({ $0 == "." }).count <= 1,
                let value = Double(number)
            else { continue }
            let millis = value * factor
            guard millis.rounded() == millis, millis < 1e15 else { return nil }
            self.milliseconds = Int64(millis)
            return
        }
        return nil
    }

    /// The shortest exact spelling: `1h`, `90s`, `1500ms`.
    public var description: String {
        if milliseconds != 0, milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds != 0, milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    public static func < (lhs: DurationValue, rhs: DurationValue) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
