import Hummingbird
import ServiceLifecycle
import TraduApp
import TraduCore

/// Server-Sent Events on `/api/v1/events`: each environment's `EventFeed` (one reader for every client) written
/// as `text/event-stream`. Transitions carry their event id, so a client that reconnects with `Last-Event-ID` is
/// replayed what it missed. A service of the server: on SIGTERM the feeds stop and every stream ends, so the
/// server can drain.
struct EventStream: Service {
    let feeds: [String: EventFeed]

    init(services: [String: OperatorService]) {
        feeds = services.mapValues { EventFeed(service: $0, render: Self.frames) }
    }

    func run() async throws {
        let feeds = Array(self.feeds.values)
        try await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for feed in feeds { group.addTask { await feed.run() } }
            }
        }
    }

    /// The response for one client: `retry`, then every item of its filter as it comes.
    func response(environment: String, pipeline: String?, lastEventID: Int64?) async throws -> Response {
        guard let feed = feeds[environment] else {
            throw Problem.notFound(
                "environment '\(environment)' is not served here (served: \(feeds.keys.sorted().joined(separator: ", ")))"
            )
        }
        let chunks = await feed.subscribe(pipeline: pipeline, lastEventID: lastEventID)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                HTTPFields.Element.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                // The server drains open requests before the feeds' service hears of the shutdown: each stream
                // ends on it by itself, or SIGTERM would wait for clients that never leave.
                for await chunk in chunks.cancelOnGracefulShutdown() {
                    try await writer.write(ByteBuffer(string: chunk))
                }
                try await writer.finish(nil)
            })
    }

    /// The frames of a read's items, written to a client in one go.
    static func frames(_ items: [EventFeed.Item]) -> String {
        items.map(frame).joined()
    }

    /// One SSE frame: `id`, `event` and one `data` line of JSON (JSON text holds no raw line break).
    static func frame(_ item: EventFeed.Item) -> String {
        if item.kind == .heartbeat { return ": heartbeat\n\n" }
        var frame = ""
        if let id = item.id, item.kind == .transition { frame += "id: \(id)\n" }
        frame += "event: \(item.kind.rawValue)\n"
        frame += "data: \(item.body.encoded())\n\n"
        return frame
    }
}
