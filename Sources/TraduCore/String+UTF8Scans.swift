extension String {
    /// The number of Unicode scalars, counted on the UTF-8 bytes: every byte that does not continue a scalar
    /// starts one. The same as `unicodeScalars.count`, which decodes each scalar on the way; the block cutter counts
    /// every record it reads, and the output checks every translation.
    public var unicodeScalarCount: Int {
        utf8.withContiguousStorageIfAvailable { bytes in
            var count = 0
            for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
            return count
        } ?? unicodeScalars.count
    }

    /// Whether the text holds a NUL (U+0000), found by scanning its UTF-8 bytes (in UTF-8, a zero byte is only
    /// ever that scalar).
    public var containsNUL: Bool {
        utf8.withContiguousStorageIfAvailable { $0.contains(0) } ?? utf8.contains(0)
    }
}
