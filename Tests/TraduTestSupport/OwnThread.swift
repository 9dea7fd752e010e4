import Foundation

/// Runs `work` on a thread of its own and waits for it without holding a thread of Swift's cooperative pool.
///
/// That pool has one thread per core, two on the CI machine: two tests waiting synchronously on a subprocess (a
/// browser, schemathesis, the `tradu` binary) stalled every other test of the process for as long, a minute at
/// the start of a CI run, and tests with deadlines failed for it.
public func onOwnThread<Value: Sendable>(
    _ name: String = "tradu-test-blocking", _ work: @escaping @Sendable () throws -> Value
) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = name
        thread.start()
    }
}
