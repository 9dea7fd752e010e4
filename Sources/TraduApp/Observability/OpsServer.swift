import NIOCore
import NIOHTTP1
import NIOPosix
import TraduCore

/// The operations endpoints of a long-running process, on `--metrics-addr`: `/metrics` (Prometheus text
/// exposition from the swift-metrics registry), `/healthz` (the process lives) and `/readyz` (its
/// dependencies, as JSON; 503 when one fails). A small SwiftNIO HTTP/1.1 server on one event loop.
public final class OpsServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The port actually bound (useful with port 0).
    public var port: Int { channel.localAddress?.port ?? 0 }

    public init(host: String, port: Int, readiness: Readiness) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(OpsHandler(readiness: readiness))
                }
            }
        channel = try await bootstrap.bind(host: host, port: port).get()
    }

    /// Parses `HOST:PORT`; port 0 lets the kernel choose (the chosen port is logged).
    public static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port), colon != text.startIndex
        else { return nil }
        return (String(text[..<colon]), port)
    }

    public func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class OpsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let readiness: Readiness

    init(readiness: Readiness) { self.readiness = readiness }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let request) = unwrapInboundIn(data) else { return }
        let path = request.uri.split(separator: "?").first.map(String.init) ?? request.uri
        let (status, contentType, body): (HTTPResponseStatus, String, String)
        switch (request.method, path) {
        case (.GET, "/metrics"):
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4", TraduMetrics.registry.emitToString())
        case (.GET, "/healthz"):
            (status, contentType, body) = (.ok, "application/json", #"{"status":"ok"}"#)
        case (.GET, "/readyz"):
            (status, contentType, body) = (
                readiness.isReady ? .ok : .serviceUnavailable, "application/json", readiness.json.encoded()
            )
        default:
            (status, contentType, body) = (.notFound, "text/plain", "not found\n")
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
