import Crypto
import Foundation
import TraduApp
import TraduCore

/// A named caller of the API and what it may do.
public struct APIIdentity: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, CaseIterable {
        /// Reads everything: source texts and translations included.
        case read
        /// Reads, and acts (retry, cancel, pause, resume, ...).
        case operate

        func allows(_ needed: Role) -> Bool { self == .operate || needed == .read }
    }

    public var name: String
    public var role: Role
}

/// The tokens file (`tradu serve --tokens FILE`): named identities, each with the SHA-256 of its token and a role.
/// Only hashes are stored, so the file is not a secret of its own; tokens are compared by hash in constant time.
///
/// ```yaml
/// tokens:
///   - name: ana            # recorded with every action she takes
///     role: operate        # read | operate
///     sha256: 2c26b46b...  # printf %s "$TOKEN" | sha256sum
/// ```
public struct AccessTokens: Sendable {
    struct Entry: Sendable {
        var identity: APIIdentity
        var digest: [UInt8]
    }

    let entries: [Entry]

    public static let none = AccessTokens(entries: [])

    init(entries: [Entry]) { self.entries = entries }

    /// Reads a tokens file; every problem names the file and the entry at fault.
    public static func load(path: String) throws -> AccessTokens {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TraduError.configuration("\(path): cannot read the tokens file")
        }
        let document = try JSONText.parse(text, name: path)
        guard case .array(let items)? = document["tokens"] else {
            throw TraduError.configuration("\(path): expected a 'tokens' list")
        }
        var entries: [Entry] = []
        var names = Set<String>()
        for (index, item) in items.enumerated() {
            let at = "\(path): tokens[\(index)]"
            guard let name = item["name"]?.stringValue, !name.isEmpty else {
                throw TraduError.configuration("\(at): 'name' is required")
            }
            guard names.insert(name).inserted else { throw TraduError.configuration("\(at): '\(name)' is named twice") }
            guard let roleName = item["role"]?.stringValue, let role = APIIdentity.Role(rawValue: roleName) else {
                throw TraduError.configuration("\(at) (\(name)): 'role' must be read or operate")
            }
            guard let hex = item["sha256"]?.stringValue, let digest = Self.bytes(hex: hex), digest.count == 32 else {
                throw TraduError.configuration(
                    "\(at) (\(name)): 'sha256' must be 64 hex digits, the SHA-256 of the token (never the token)")
            }
            entries.append(Entry(identity: APIIdentity(name: name, role: role), digest: digest))
        }
        return AccessTokens(entries: entries)
    }

    /// The identity whose token this is, or nil. Every entry is compared, each in constant time.
    public func identity(token: String) -> APIIdentity? {
        let presented = Array(SHA256.hash(data: Array(token.utf8)))
        var found: APIIdentity?
        for entry in entries where Self.constantTimeEqual(entry.digest, presented) { found = entry.identity }
        return found
    }

    /// The identity the tokens file names so, with the role it gives it now (a console session is checked against
    /// it on every request, so removing an entry or lowering its role takes effect at once).
    public func identity(named name: String) -> APIIdentity? {
        entries.first(where: { $0.identity.name == name })?.identity
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// A digest from the tokens file: hex digits in either case.
    static func bytes(hex: String) -> [UInt8]? { ContentHash.bytes(hex: hex.lowercased()) }
}
