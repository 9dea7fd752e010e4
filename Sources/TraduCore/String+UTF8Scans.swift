extension String {
    /// The number of Unicode scalars, counted on the UTF-8 bytes: every byte that does not continue a scalar
    /// (`10xxxxxx`) starts one. The same as `unicodeScalars.count`, which decodes each scalar on the way; the block
    /// cutter counts every record it reads, and the output checks every translation. Eight bytes at a time.
    public var unicodeScalarCount: Int {
        utf8.withContiguousStorageIfAvailable { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var continuations = 0
            var offset = 0
            while offset + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                // Bit 0 of each byte: its bit 7 set and its bit 6 clear.
                continuations += ((word >> 7) & ~(word >> 6) & lowBits).nonzeroBitCount
                offset += 8
            }
            while offset < raw.count {
                if raw[offset] & 0xC0 == 0x80 { continuations += 1 }
                offset += 1
            }
            return raw.count - continuations
        } ?? unicodeScalars.count
    }

    /// Whether the text holds a NUL (U+0000), found on its UTF-8 bytes (a zero byte is only ever that scalar), eight
    /// at a time: every record read is checked.
    public var containsNUL: Bool {
        utf8.withContiguousStorageIfAvailable { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            var offset = 0
            while offset + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                if word.containsByte(0) { return true }
                offset += 8
            }
            while offset < raw.count {
                if raw[offset] == 0 { return true }
                offset += 1
            }
            return false
        } ?? utf8.contains(0)
    }

    /// The number of lines of JSON Lines text: its newline bytes (JSON escapes a newline inside a value). Counted
    /// for every committed block's results.
    public var newlineCount: Int {
        utf8.withContiguousStorageIfAvailable { bytes in
            var newlines = 0
            for byte in bytes where byte == 0x0A { newlines += 1 }
            return newlines
        } ?? utf8.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
    }
}

/// The lowest bit of each of a word's eight bytes, for the scans that read text eight bytes at a time.
private let lowBits: UInt64 = 0x0101_0101_0101_0101

extension UInt64 {
    /// Whether one of the eight bytes of the word is `byte`: the scans that read text eight bytes at a time.
    func containsByte(_ byte: UInt8) -> Bool {
        let difference = self ^ (lowBits &* UInt64(byte))
        // Non-zero exactly when one of the eight bytes of `difference` is zero.
        return (difference &- lowBits) & ~difference & (lowBits << 7) != 0
    }
}
