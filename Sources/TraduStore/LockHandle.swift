/// Proof of holding the environment lock: `token` identifies this acquisition, so only it can release or renew.
public struct LockHandle: Sendable, Hashable {
    public var token: String
    public var holder: String
    public var host: String
    public var pid: Int32
    /// RFC 3339 UTC.
    public var acquiredAt: String
    /// RFC 3339 UTC; after this anyone may take the lock over.
    public var expiresAt: String

    public init(token: String, holder: String, host: String, pid: Int32, acquiredAt: String, expiresAt: String) {
        self.token = token
        self.holder = holder
        self.host = host
        self.pid = pid
        self.acquiredAt = acquiredAt
        self.expiresAt = expiresAt
    }
}
