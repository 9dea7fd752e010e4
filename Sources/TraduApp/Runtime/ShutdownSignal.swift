import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT into a flag and an awaitable event, so loops stop claiming and drain instead of
/// dying mid-block.
public final class ShutdownSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// Installs handlers for SIGTERM and SIGINT (call once per process).
    public func installSignalHandlers() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.request() }
            source.resume()
            sources.append(source)
        }
    }

    public var isRequested: Bool { lock.withLock { requested } }

    public func request() {
        let pending: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !requested else { return [] }
            requested = true
            defer { waiters = [] }
            return waiters
        }
        for waiter in pending { waiter.resume() }
    }

    /// Returns once shutdown was requested.
    public func wait() async {
        await withCheckedContinuation { continuation in
            let now: Bool = lock.withLock {
                if requested { return true }
                waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
