/// Which requests to an engine may be in flight: at most `limit` at once (the engine's `concurrency`), the others
/// waiting their turn in arrival order. A value: `RequestGate` holds it and resumes the callers it admits.
struct RequestGateState: Sendable {
    private(set) var limit: Int
    private(set) var inFlight = 0
    /// Tickets of the waiting callers, first come first.
    private(set) var waiting: [UInt64] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    enum Admission: Equatable {
        case now
        case wait
    }

    /// A caller asks to send a request.
    mutating func arrive(_ ticket: UInt64) -> Admission {
        if inFlight < limit && waiting.isEmpty {
            inFlight += 1
            return .now
        }
        waiting.append(ticket)
        return .wait
    }

    /// A request ended: the waiting caller admitted in its place, if any.
    mutating func leave() -> UInt64? {
        inFlight = max(0, inFlight - 1)
        return admitWaiting().first
    }

    /// A waiting caller gave up (its task was cancelled): false when it was not waiting any more (admitted already).
    mutating func withdraw(_ ticket: UInt64) -> Bool {
        guard let index = waiting.firstIndex(of: ticket) else { return false }
        waiting.remove(at: index)
        return true
    }

    /// The applied manifests changed the engine's `concurrency`: the waiting callers a higher limit admits.
    mutating func setLimit(_ limit: Int) -> [UInt64] {
        self.limit = max(1, limit)
        return admitWaiting()
    }

    private mutating func admitWaiting() -> [UInt64] {
        let admitted = Array(waiting.prefix(max(0, limit - inFlight)))
        waiting.removeFirst(admitted.count)
        inFlight += admitted.count
        return admitted
    }
}
