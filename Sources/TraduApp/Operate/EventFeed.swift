import Logging
import TraduCore
import TraduStore

/// One environment's live feed for the API's event stream: a single reader follows `block_events` by id (an
/// `EventCursor`, so late commits are not lost) and the pipelines' status rows, and fans every item out to the
/// subscribers whose filter takes it. However many clients listen, the database sees one reader: no query per
/// client, and no NOTIFY on the runtime's hot path.
///
/// Each read's items are rendered once per distinct filter (`render`: the API's wire format) and handed to the
/// subscribers as one chunk, so a hundred clients cost a hundred writes per read, not one per client per event.
/// A subscriber that cannot keep up (`bufferLimit` chunks waiting) is ended rather than silently skipped; it
/// reconnects with the last id it saw and gets the rest replayed from the last `replayCapacity` transitions, or a
/// `reset` item when those no longer reach back that far.
public actor EventFeed {
    public struct Item: Sendable, Hashable {
        public enum Kind: String, Sendable {
            /// A block changed state (`id` is the event's).
            case transition
            /// A pipeline's counts or conditions changed, as the leading controller wrote them.
            case status
            /// The ids asked for are no longer kept: re-read the state, then follow from `id`.
            case reset
            /// Nothing happened for a while; the connection is alive (proxies close idle ones).
            case heartbeat
        }

        public let kind: Kind
        public let id: Int64?
        public let pipeline: String?
        public let body: JSONValue

        public init(kind: Kind, id: Int64?, pipeline: String?, body: JSONValue) {
            self.kind = kind
            self.id = id
            self.pipeline = pipeline
            self.body = body
        }
    }

    struct Subscriber {
        var pipeline: String?
        var continuation: AsyncStream<String>.Continuation
    }

    public let service: OperatorService
    let render: @Sendable ([Item]) -> String
    let pollInterval: Duration
    let statusInterval: Duration
    let replayCapacity: Int
    let bufferLimit: Int
    let pageSize = 5_000
    let heartbeatInterval: Duration = .seconds(15)

    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriber = 0
    private var recent: [Item] = []
    private var cursor: EventCursor?
    private var statusSeen: [String: String] = [:]
    private var store: Store?
    private var labels = BlockLabelCache()
    private let clock = ContinuousClock()
    private let started = ContinuousClock.now

    public init(
        service: OperatorService, render: @escaping @Sendable ([Item]) -> String,
        pollInterval: Duration = .milliseconds(250), statusInterval: Duration = .seconds(2),
        replayCapacity: Int = 10_000, bufferLimit: Int = 1_000
    ) {
        self.service = service
        self.render = render
        self.pollInterval = pollInterval
        self.statusInterval = statusInterval
        self.replayCapacity = replayCapacity
        self.bufferLimit = bufferLimit
    }

    public var subscriberCount: Int { subscribers.count }

    /// A stream of the items for `pipeline` (nil: every pipeline) from the moment it returns, or after
    /// `lastEventID` when the feed still holds the transitions that follow it (or was idle: then it follows from
    /// there).
    public func subscribe(pipeline: String?, lastEventID: Int64?) async -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: String.self, bufferingPolicy: .bufferingOldest(bufferLimit))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = Subscriber(pipeline: pipeline, continuation: continuation)
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        if cursor == nil {
            // An idle feed takes its position now, so that "from now on" means from this answer on.
            if let lastEventID {
                cursor = EventCursor(after: lastEventID)
            } else if let latest = try? await openedStore().latestEventID(), cursor == nil {
                cursor = EventCursor(after: latest)
            }
        } else if let lastEventID, let position = cursor?.after, lastEventID < position {
            if let oldest = recent.first?.id, lastEventID >= oldest - 1 {
                let missed = recent.filter { ($0.id ?? 0) > lastEventID && Self.takes(pipeline, $0) }
                if !missed.isEmpty { continuation.yield(render(missed)) }
            } else {
                continuation.yield(
                    render([
                        Item(kind: .reset, id: position, pipeline: nil, body: .object([("after", .int(Int(position)))]))
                    ]))
            }
        }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        subscribers[id] = nil
    }

    /// Follows the environment until cancelled, reading only while someone listens; then ends every stream.
    public func run() async {
        var lastStatus = ContinuousClock.now - statusInterval
        var lastHeartbeat = ContinuousClock.now
        while !Task.isCancelled {
            if ContinuousClock.now - lastHeartbeat >= heartbeatInterval {
                lastHeartbeat = .now
                let beat = render([Item(kind: .heartbeat, id: nil, pipeline: nil, body: .null)])
                for subscriber in subscribers.values { subscriber.continuation.yield(beat) }
            }
            if subscribers.isEmpty {
                // Nobody listens: forget the position, so that the next listener starts from the present.
                if let store { await store.close() }
                store = nil
                cursor = nil
                statusSeen = [:]
            } else {
                do {
                    try await poll()
                    if ContinuousClock.now - lastStatus >= statusInterval {
                        lastStatus = .now
                        try await pollStatus()
                    }
                } catch {
                    service.logger.warning("event feed: reading failed; retrying", metadata: ["error": "\(error)"])
                    if let store { await store.close() }
                    store = nil
                }
            }
            try? await Task.sleep(for: pollInterval)
        }
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers = [:]
        if let store { await store.close() }
        store = nil
    }

    private func openedStore() async throws -> Store {
        if let store { return store }
        // Named, so that an operator sees the one reader in `pg_stat_activity` (and `bench/api.sh` finds it).
        let opened = try await service.openStore(applicationName: "tradu events")
        try await opened.prepareEventLogReader()
        store = opened
        return opened
    }

    private var now: Double { (ContinuousClock.now - started).seconds }

    private func poll() async throws {
        let store = try await openedStore()
        guard var cursor else {
            self.cursor = EventCursor(after: try await store.latestEventID())
            return
        }
        // The gaps and the first page in one statement, then further pages while they come full.
        var rows = try await store.streamEvents(after: cursor.after, gaps: cursor.gaps.map(\.ids), limit: pageSize)
        // Gaps' events follow the page's: the highest id is the page's end, wherever it is.
        var last = max(rows.map(\.event.sequence).max() ?? cursor.after, cursor.after)
        var pageCount = rows.filter { $0.event.sequence > cursor.after }.count
        while pageCount == pageSize && rows.count < pageSize * 4 {
            let page = try await store.streamEvents(after: last, limit: pageSize)
            rows += page
            pageCount = page.count
            last = page.last?.event.sequence ?? last
        }
        let byID = Dictionary(rows.map { ($0.event.sequence, $0) }, uniquingKeysWith: { first, _ in first })
        let fresh = cursor.received(Array(byID.keys), now: now)
        self.cursor = cursor
        // Labels from the events that schedule blocks first, then a look-up of the blocks still unknown (those
        // scheduled before this reader followed).
        for id in fresh {
            if let streamed = byID[id], let label = streamed.label { labels.insert(streamed.event.blockID, label) }
        }
        var unknown = Set<String>()
        for id in fresh {
            if let blockID = byID[id]?.event.blockID, labels.label(blockID) == nil { unknown.insert(blockID) }
        }
        for (blockID, label) in try await store.blockLabels(unknown.sorted()) { labels.insert(blockID, label) }
        var items: [Item] = []
        for id in fresh {
            // A block that no longer exists (erased) has no label: its events are not streamed.
            guard let event = byID[id]?.event, let label = labels.label(event.blockID) else { continue }
            var body = APIPresenter.event(event)
            if case .object(var fields) = body {
                fields.insert(("blockId", .string(event.blockID)), at: 1)
                fields.insert(("pipeline", .string(label.pipeline)), at: 2)
                fields.insert(("targetLanguage", .string(label.targetLanguage)), at: 3)
                body = .object(fields)
            }
            items.append(Item(kind: .transition, id: id, pipeline: label.pipeline, body: body))
        }
        publish(items)
    }

    private func pollStatus() async throws {
        let store = try await openedStore()
        var items: [Item] = []
        for status in try await store.statuses() {
            let stamp = status.counts + status.conditions + (status.updatedAt ?? "")
            guard statusSeen[status.pipeline] != stamp else { continue }
            statusSeen[status.pipeline] = stamp
            var fields: [(String, JSONValue)] = [
                ("pipeline", .string(status.pipeline)),
                ("counts", (try? JSONText.parse(status.counts, name: "counts")) ?? .object([])),
                ("conditions", (try? JSONText.parse(status.conditions, name: "conditions")) ?? .array([])),
            ]
            if let at = status.updatedAt { fields.append(("countsUpdatedAt", .string(at))) }
            items.append(Item(kind: .status, id: nil, pipeline: status.pipeline, body: .object(fields)))
        }
        publish(items)
    }

    /// Hands a read's items to every subscriber whose filter takes some: rendered once per filter, one chunk each.
    private func publish(_ items: [Item]) {
        guard !items.isEmpty else { return }
        for item in items where item.kind == .transition { recent.append(item) }
        // Trimmed in steps, so that keeping the window costs nothing per item.
        if recent.count > replayCapacity + replayCapacity / 4 { recent.removeFirst(recent.count - replayCapacity) }
        var rendered: [String?: String] = [:]
        for (id, subscriber) in subscribers {
            let chunk: String
            if let done = rendered[subscriber.pipeline] {
                chunk = done
            } else {
                let taken = items.filter { Self.takes(subscriber.pipeline, $0) }
                chunk = taken.isEmpty ? "" : render(taken)
                rendered[subscriber.pipeline] = chunk
            }
            guard !chunk.isEmpty else { continue }
            if case .dropped = subscriber.continuation.yield(chunk) {
                // Too slow: end it rather than let it miss a transition; it reconnects and is replayed.
                subscriber.continuation.finish()
                subscribers[id] = nil
            }
        }
    }

    static func takes(_ pipeline: String?, _ item: Item) -> Bool {
        pipeline == nil || item.pipeline == nil || item.pipeline == pipeline
    }
}
