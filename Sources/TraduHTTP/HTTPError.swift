/// Why an HTTP exchange produced no response. Never carries header values or the request body; URLs are
/// shown without credentials or query.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case timeout
        /// The host answered that nothing listens on the port.
        case connectionRefused
        /// Any other failure to connect (unreachable network, connect timeout reported by the OS).
        case couldNotConnect
        case dns
        case tls
        /// The response body exceeded `maxResponseBytes`.
        case tooLarge
        case tooManyRedirects
        case invalidURL
        /// The request itself cannot be sent (a header with a line break, for example).
        case invalidRequest
        /// The calling task was cancelled.
        case cancelled
        case other
    }

    public var kind: Kind
    /// What went wrong, from libcurl when it said so.
    public var message: String
    /// The request URL, redacted.
    public var url: String
    /// The libcurl `CURLcode`, when the error came from libcurl.
    public var curlCode: Int?

    public init(_ kind: Kind, _ message: String, url: String, curlCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.url = URLRedaction.redact(url)
        self.curlCode = curlCode
    }

    public var description: String { "\(url): \(message)" }
}
