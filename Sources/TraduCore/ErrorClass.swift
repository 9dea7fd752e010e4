/// How a failure is classified, which decides whether it is retried (DESIGN §4).
public enum ErrorClass: String, Sendable, Hashable, CaseIterable, Codable {
    /// The engine is saturated: 429, rate limits. Retry later, honouring Retry-After.
    case capacity
    /// Something the block depends on failed: 5xx, timeouts, connection errors.
    case dependency
    /// The input or the output is wrong for this block: malformed answer, lost placeholder.
    case data
    /// Our own side failed: database, disk, process crash.
    case infrastructure
    /// A bug or a misconfiguration: retrying cannot help.
    case logic
}

/// A classified failure of one attempt.
public struct BlockFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var errorClass: ErrorClass
    public var message: String
    /// The engine asked to wait at least this long (Retry-After).
    public var retryAfter: DurationValue?

    public init(_ errorClass: ErrorClass, _ message: String, retryAfter: DurationValue? = nil) {
        self.errorClass = errorClass
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(errorClass.rawValue): \(message)" }
}
