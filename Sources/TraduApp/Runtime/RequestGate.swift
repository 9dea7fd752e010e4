import TraduCore

/// Holds a worker's requests to one engine to its `concurrency` (`RequestGateState` decides, in arrival order).
/// A block holds a place for all its requests, sent one after another (`BlockProcessor`), so a place is one request
/// in flight at a time. Blocks beyond it wait here, with their leases renewed, rather than send requests the
/// provider would refuse or queue; a worker holds few of them (`EngineGates.capacity`).
actor RequestGate {
    private var state: RequestGateState
    private var admissions: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    private var nextTicket: UInt64 = 0

    init(limit: Int) {
        state = RequestGateState(limit: limit)
    }

    var limit: Int { state.limit }

    /// Requests running now.
    var inFlight: Int { state.inFlight }

    /// Callers waiting for a place.
    var waiting: Int { state.waiting.count }

    func setLimit(_ limit: Int) {
        for ticket in state.setLimit(limit) { admissions.removeValue(forKey: ticket)?.resume(returning: true) }
    }

    /// Runs `request` once admitted; throws an `infrastructure` failure if the task is cancelled while it waits.
    func admitted<T: Sendable>(
        engine: String, _ request: @Sendable () async throws(BlockFailure) -> T
    ) async throws(BlockFailure) -> T {
        try await enter(engine: engine)
        do {
            let value = try await request()
            leave()
            return value
        } catch {
            leave()
            throw error
        }
    }

    /// Waits for a place, in arrival order; the caller must `leave()` once done. Throws an `infrastructure` failure
    /// if the task is cancelled while it waits (it then holds no place).
    func enter(engine: String) async throws(BlockFailure) {
        guard await enter() else {
            throw BlockFailure(
                .infrastructure, "engine '\(engine)': cancelled while waiting for one of its \(limit) requests")
        }
    }

    private func enter() async -> Bool {
        let ticket = nextTicket
        nextTicket += 1
        guard state.arrive(ticket) == .wait else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { admissions[ticket] = $0 }
        } onCancel: {
            Task { await self.withdraw(ticket) }
        }
    }

    /// Gives a place back (after `enter(engine:)`).
    func leave() {
        if let next = state.leave() { admissions.removeValue(forKey: next)?.resume(returning: true) }
    }

    private func withdraw(_ ticket: UInt64) {
        if state.withdraw(ticket) { admissions.removeValue(forKey: ticket)?.resume(returning: false) }
    }
}
