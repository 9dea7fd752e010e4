import Hummingbird

/// What a request carries through the middleware to its handler: who is asking (nil for an anonymous read on a
/// `--public-read` server) and the request id echoed in `X-Request-ID`.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: APIIdentity?
    public var requestID = ""
    /// The console's session cookie, when it signed the identity in: its forms carry a token derived from it.
    var session: String?

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
