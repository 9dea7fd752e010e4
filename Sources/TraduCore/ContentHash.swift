import Crypto

/// Content identities: SHA-256, truncated to 128 bits and written as 32 lowercase hex characters.
/// Deterministic across runs and machines (Swift's `Hasher` is seeded per process and must not be used).
public enum ContentHash {
    /// The hex digest of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hex(digest: hasher.finalize())
    }

    public static func hex(of text: String) -> String {
        var hasher = SHA256()
        hasher.add(text)
        return hex(digest: hasher.finalize())
    }

    /// A digest fed piece by piece: `hex()` equals `hex(of:)` of the pieces joined, without joining them.
    public struct Stream {
        private var hasher = SHA256()

        public init() {}

        public mutating func add(_ text: String) {
            hasher.add(text)
        }

        /// Feeds what `add("\(prefix)\(identity)\n")` would, without making the line: a plan's digest has one
        /// per new block.
        public mutating func addLine(_ prefix: StaticString, _ identity: CompactID) {
            prefix.withUTF8Buffer { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            identity.withDigits { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: UInt8(ascii: "\n")) { hasher.update(bufferPointer: $0) }
        }

        public func hex() -> String {
            ContentHash.hex(digest: hasher.finalize())
        }
    }

    /// The bytes lowercase hex digits stand for; nil for an odd count or any other character.
    public static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[pair]), let low = value(digits[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// The identity of `text` held as digits (`CompactID`): equal to `CompactID(hex(of: text))`.
    public static func compact(of text: String) -> CompactID {
        var hasher = SHA256()
        hasher.add(text)
        return compact(digest: hasher.finalize())
    }

    /// The identity of `bytes` held as digits.
    static func compact(of bytes: UnsafeRawBufferPointer) -> CompactID {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return compact(digest: hasher.finalize())
    }

    static func compact(digest: SHA256.Digest) -> CompactID {
        digest.withUnsafeBytes { raw in
            .digest(
                UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    static func hex(digest: SHA256.Digest) -> String {
        compact(digest: digest).string
    }

    /// HMAC-SHA256 of `message` with `key`, as 64 lowercase hex characters (webhook signatures).
    public static func hmacSHA256(key: String, message: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(key.utf8)))
        return code.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }

    /// FNV-1a, 64 bits: a cheap, stable hash for block boundaries (not for identities).
    public static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

extension SHA256 {
    /// Feeds `text`'s UTF-8 bytes, without copying them when the string is native.
    mutating func add(_ text: String) {
        var copy = text
        copy.withUTF8 { update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }
}
