/// One HTTP exchange to perform, with the limits that keep a slow or hostile server from hanging or
/// flooding the caller.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    public var method: HTTPMethod
    /// An absolute `http` or `https` URL; other schemes are refused.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The whole exchange, redirects included.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// The largest response body accepted (after content decoding); beyond it the transfer is aborted.
    public var maxResponseBytes: Int
    /// How many redirects to follow; 0 returns the 3xx response itself.
    public var maxRedirects: Int

    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        timeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(10),
        maxResponseBytes: Int = 64 << 20,
        maxRedirects: Int = 5
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRedirects = maxRedirects
    }

    /// Method and URL only: header values and the body may hold secrets.
    public var description: String { "\(method) \(URLRedaction.redact(url))" }
}
