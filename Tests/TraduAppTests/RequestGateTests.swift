import Testing
import TraduCore

@testable import TraduApp

@Suite struct RequestGateTests {
    @Test func admitsUpToTheLimitThenQueuesInArrivalOrder() {
        var gate = RequestGateState(limit: 2)
        #expect(gate.arrive(1) == .now)
        #expect(gate.arrive(2) == .now)
        #expect(gate.arrive(3) == .wait)
        #expect(gate.arrive(4) == .wait)
        #expect(gate.inFlight == 2)
        #expect(gate.leave() == 3)
        #expect(gate.inFlight == 2)
        #expect(gate.leave() == 4)
        #expect(gate.leave() == nil)
        #expect(gate.leave() == nil)
        #expect(gate.inFlight == 0)
    }

    /// A newcomer never overtakes a waiting caller, even when a request ended between them.
    @Test func aNewcomerWaitsBehindTheQueue() {
        var gate = RequestGateState(limit: 1)
        #expect(gate.arrive(1) == .now)
        #expect(gate.arrive(2) == .wait)
        #expect(gate.arrive(3) == .wait)
        #expect(gate.waiting == [2, 3])
        #expect(gate.leave() == 2)
        #expect(gate.arrive(4) == .wait)
        #expect(gate.waiting == [3, 4])
    }

    @Test func aCancelledCallerLeavesTheQueueButNotARequestInFlight() {
        var gate = RequestGateState(limit: 1)
        #expect(gate.arrive(1) == .now)
        #expect(gate.arrive(2) == .wait)
        #expect(gate.arrive(3) == .wait)
        let withdrawn = [gate.withdraw(2), gate.withdraw(2), gate.withdraw(1)]
        // Once: the second time it is gone; an admitted caller ends by leaving, not by withdrawing.
        #expect(withdrawn == [true, false, false])
        #expect(gate.leave() == 3)
        #expect(gate.inFlight == 1)
    }

    /// A new `concurrency` applies at once: a higher one admits waiting callers, a lower one lets the requests in
    /// flight end before admitting anyone.
    @Test func aNewLimitAdmitsOrHoldsBack() {
        var gate = RequestGateState(limit: 1)
        #expect(gate.arrive(1) == .now)
        #expect(gate.arrive(2) == .wait)
        #expect(gate.arrive(3) == .wait)
        #expect(gate.arrive(4) == .wait)
        #expect(gate.setLimit(3) == [2, 3])
        #expect(gate.inFlight == 3)
        #expect(gate.setLimit(1) == [])
        #expect(gate.leave() == nil)
        #expect(gate.leave() == nil)
        #expect(gate.inFlight == 1)
        #expect(gate.leave() == 4)
        #expect(RequestGateState(limit: 0).limit == 1)
    }

    /// The actor: six callers through a gate of two never have more than two requests running, all six run, and a
    /// caller cancelled while it waits gets an `infrastructure` failure without running.
    @Test func theGateRunsAtMostItsLimitAndFailsACancelledWaiter() async throws {
        let gate = RequestGate(limit: 2)
        let running = Counter()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await gate.admitted(engine: "llm") { () async throws(BlockFailure) -> Int in
                        await running.add(1)
                        try? await Task.sleep(for: .milliseconds(50))
                        await running.add(-1)
                        return index
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<6))
        #expect(await running.peak == 2)

        // Two holders keep both places until released (no sleep decides it: a starved test task must not see them
        // leave before the waiter is cancelled).
        let released = Latch()
        let holders = (0..<2).map { _ in
            Task {
                try await gate.admitted(engine: "llm") { () async throws(BlockFailure) -> Int in
                    await released.wait()
                    return 0
                }
            }
        }
        try await eventually("both holders are admitted") { await gate.inFlight == 2 }
        let waiter = Task { () async -> BlockFailure? in
            do {
                _ = try await gate.admitted(engine: "llm") { () async throws(BlockFailure) -> Int in 1 }
                return nil
            } catch {
                return error as? BlockFailure
            }
        }
        try await eventually("the third caller waits") { await gate.waiting == 1 }
        waiter.cancel()
        let failure = await waiter.value
        #expect(failure?.errorClass == .infrastructure, "\(String(describing: failure))")
        #expect(failure?.message.contains("engine 'llm'") == true)
        #expect(await gate.waiting == 0, "the cancelled caller left the queue")
        await released.open()
        for holder in holders { #expect(try await holder.value == 0) }
        #expect(await gate.inFlight == 0)
    }

    /// Shut until `open()`: its waiters wait until then.
    private actor Latch {
        private var isOpen = false
        private var waiters: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiters.append($0) }
        }

        func open() {
            isOpen = true
            for waiter in waiters { waiter.resume() }
            waiters = []
        }
    }

    private actor Counter {
        var now = 0
        var peak = 0
        func add(_ delta: Int) {
            now += delta
            peak = max(peak, now)
        }
    }
}
