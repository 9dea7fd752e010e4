/// A size written in a manifest: `512B`, `256KiB`, `1MiB`, `2GiB` (binary units only, so `1MB` is not
/// silently read as 1,000,000 or 1,048,576 bytes).
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static let syntaxHint = "use a whole number and a binary unit: 512B, 256KiB, 1MiB, 2GiB"

    public init?(parsing text: String) {
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("B", 1)]
        for (unit, factor) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            guard !number.isEmpty, number.count <= 12, number.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int64(number)
            else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            self.bytes = product
            return
        }
        return nil
    }

    public var description: String {
        for (unit, factor) in [("GiB", Int64(1) << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes != 0 && bytes % factor == 0 {
            return "\(bytes / factor)\(unit)"
        }
        return "\(bytes)B"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
