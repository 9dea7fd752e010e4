import Crypto
import Foundation

/// The console's sign-in sessions. Signing in with an API token sets a cookie that names the identity and when the
/// session ends, signed with a key this process drew at start (HMAC-SHA256); the token itself is never stored. A
/// session names an identity, not a role: the role is read from the tokens file on every request, so removing an
/// entry signs its sessions out. Sessions end when the server restarts (sign in again); replicas behind one
/// address need sticky sessions.
struct ConsoleSessions: Sendable {
    static let cookieName = "tradu_session"

    let tokens: AccessTokens
    /// The signing key's bytes (`SymmetricKey` is not `Sendable`).
    let key: [UInt8]
    let lifetime: TimeInterval

    init(tokens: AccessTokens, key: [UInt8]? = nil, lifetime: TimeInterval = 12 * 3600) {
        self.tokens = tokens
        self.key = key ?? SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        self.lifetime = lifetime
    }

    /// `<name, base64url>.<expiry, unix seconds>.<signature, hex>`.
    func cookieValue(for identity: APIIdentity, now: Date = Date()) -> String {
        let payload =
            Self.base64URL(Array(identity.name.utf8)) + "." + String(Int(now.timeIntervalSince1970 + lifetime))
        return payload + "." + sign(payload)
    }

    /// The identity a cookie value signs in, while it is unexpired, correctly signed, and its name still in the
    /// tokens file.
    func identity(cookieValue: String, now: Date = Date()) -> APIIdentity? {
        let parts = cookieValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int(parts[1]), Double(expiry) > now.timeIntervalSince1970,
            let nameBytes = Self.bytes(base64URL: String(parts[0])),
            let name = String(validating: nameBytes, as: UTF8.self)
        else { return nil }
        let payload = parts[0] + "." + parts[1]
        guard AccessTokens.constantTimeEqual(Array(sign(String(payload)).utf8), Array(parts[2].utf8)) else {
            return nil
        }
        return tokens.identity(named: name)
    }

    /// The token a session's forms carry: derived from the session, so a page of another site cannot know it.
    func formToken(cookieValue: String) -> String { sign("form|" + cookieValue) }

    /// Whether a form's token is the session's.
    func acceptsFormToken(_ token: String, cookieValue: String) -> Bool {
        AccessTokens.constantTimeEqual(Array(formToken(cookieValue: cookieValue).utf8), Array(token.utf8))
    }

    /// The session cookie's value in a `Cookie` header, if one is sent.
    static func cookieValue(inHeader header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop(while: { $0 == " " })
            if trimmed.hasPrefix(cookieName + "=") { return String(trimmed.dropFirst(cookieName.count + 1)) }
        }
        return nil
    }

    /// `Set-Cookie` for a session (or, with nil, one that ends it): only for this server's pages, out of reach of
    /// scripts, never sent by another site's request, and only over HTTPS when the proxy in front says it is.
    static func setCookie(_ value: String?, path: String, lifetime: TimeInterval, secure: Bool) -> String {
        var cookie = "\(cookieName)=\(value ?? ""); Path=\(path.isEmpty ? "/" : path); HttpOnly; SameSite=Strict"
        cookie += value == nil ? "; Max-Age=0" : "; Max-Age=\(Int(lifetime))"
        if secure { cookie += "; Secure" }
        return cookie
    }

    private func sign(_ payload: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: SymmetricKey(data: key)).map {
            String(format: "%02x", $0)
        }
        .joined()
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static func bytes(base64URL text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}
