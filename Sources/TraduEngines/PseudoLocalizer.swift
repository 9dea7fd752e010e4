import TraduCore

/// Pseudo-localization: `Hello {name}` becomes `[fr| Ĥéļļó {name} ~~~~]`. ASCII letters turn into accented
/// look-alikes, the text grows by about 30% (`~` padding, like a longer language would), and every protected
/// token (placeholders, format specifiers, tags, entities) is copied byte for byte.
///
/// Deterministic and fast: one pass over the UTF-8 bytes, no regular expressions, one allocation per text.
enum PseudoLocalizer {
    /// Growth of the text, in tenths: 3 is 30%.
    static let expansionTenths = 3

    static func localize(_ text: String, targetLanguage: String) -> String {
        if text.isEmpty { return text }
        let protected = SegmentProtection.protectedRanges(in: text)
        var text = text
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count * 2 + targetLanguage.utf8.count + 16)
            output.append(UInt8(ascii: "["))
            for byte in targetLanguage.utf8 where isTagByte(byte) { output.append(byte) }
            output.append(contentsOf: [UInt8(ascii: "|"), UInt8(ascii: " ")])

            let accented = Self.accented
            var scalars = 0
            var index = 0
            var next = 0
            while index < bytes.count {
                if next < protected.count, protected[next].lowerBound == index {
                    output.append(contentsOf: bytes[protected[next]])
                    index = protected[next].upperBound
                    next += 1
                    continue
                }
                let byte = bytes[index]
                if byte < 0x80 {
                    var replacement = accented[Int(byte)]
                    if replacement == 0 { output.append(byte) }
                    while replacement != 0 {
                        output.append(UInt8(truncatingIfNeeded: replacement))
                        replacement >>= 8
                    }
                    scalars += 1
                } else {
                    output.append(byte)
                    if byte & 0xC0 != 0x80 { scalars += 1 }
                }
                index += 1
            }

            let padding = (scalars * expansionTenths + 9) / 10
            if padding > 0 {
                output.append(UInt8(ascii: " "))
                output.append(contentsOf: repeatElement(UInt8(ascii: "~"), count: padding))
            }
            output.append(UInt8(ascii: "]"))
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// The language tag keeps only letters, digits, `-` and `_`, so it can never look like a protected token.
    private static func isTagByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// The UTF-8 of each ASCII byte's look-alike, its bytes packed from the lowest (a look-alike takes two or three,
    /// never a zero byte); 0 for bytes kept as they are. Packed, so a byte's look-alike is appended without an
    /// array of its own to retain and release.
    private static let accented: [UInt32] = {
        let lower = Array("áƀçðéƒĝĥíĵķļɱñóþǫŕšţúṽŵẋýž".unicodeScalars)
        let upper = Array("ÁƁÇÐÉƑĜĤÍĴĶĻṀÑÓÞǪŔŠŢÚṼŴẊÝŽ".unicodeScalars)
        func packed(_ scalar: Unicode.Scalar) -> UInt32 {
            String(scalar).utf8.reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        var table = [UInt32](repeating: 0, count: 128)
        for offset in 0..<26 {
            table[Int(UInt8(ascii: "a")) + offset] = packed(lower[offset])
            table[Int(UInt8(ascii: "A")) + offset] = packed(upper[offset])
        }
        return table
    }()
}
