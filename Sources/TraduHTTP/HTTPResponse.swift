/// A completed HTTP exchange. Any status, 4xx and 5xx included, is a response, not an error.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The final response's headers (those of redirect responses are dropped).
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The URL that answered, after redirects.
    public var effectiveURL: String
    public var totalTime: Duration

    public init(status: Int, headers: HTTPHeaders, body: [UInt8], effectiveURL: String, totalTime: Duration) {
        self.status = status
        self.headers = headers
        self.body = body
        self.effectiveURL = effectiveURL
        self.totalTime = totalTime
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// `Retry-After` when given in seconds. The HTTP-date form returns nil; callers fall back to their
    /// own backoff.
    public var retryAfter: Duration? {
        guard let text = headers["Retry-After"], let seconds = Int(text), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
