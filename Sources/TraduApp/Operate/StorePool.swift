import Logging
import TraduStore

/// Connections kept open between calls, for a server that answers many short requests (`tradu serve`): opening a
/// PostgreSQL connection costs a few milliseconds, more than most of the API's reads. At most `capacity` are kept;
/// a call finding none idle opens one of its own. A connection that saw an error is closed, never reused, so a
/// broken session or a half-done transaction cannot leak into the next request.
public actor StorePool {
    private var idle: [Store] = []
    private let capacity: Int
    private let open: @Sendable () async throws -> Store

    public init(capacity: Int, open: @escaping @Sendable () async throws -> Store) {
        self.capacity = capacity
        self.open = open
    }

    func take() async throws -> Store {
        if let store = idle.popLast() { return store }
        return try await open()
    }

    func giveBack(_ store: Store) async {
        if idle.count < capacity {
            idle.append(store)
        } else {
            await store.close()
        }
    }

    /// Closes every idle connection (at shutdown).
    public func drain() async {
        let closing = idle
        idle = []
        for store in closing { await store.close() }
    }
}
