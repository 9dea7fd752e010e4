/// FNV-1a 64-bit: a stable short name for a path (fallback directories), not a security measure.
func shortHash(_ text: String, length: Int = 16) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(length))
}
