import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A serial executor that runs every job on one dedicated thread.
///
/// libpq calls block (network round trips, `poll`, `PQreset`). Running them on Swift's cooperative pool, which
/// has one thread per core, would stall every other task in the process, so each `PostgresConnection` actor
/// runs on its own thread instead. The thread sleeps on a condition variable while the queue is empty and ends
/// after `shutdown()` once the queue has drained.
final class ConnectionThreadExecutor: SerialExecutor, @unchecked Sendable {
    // All mutable state below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false
    private var owner: pthread_t?

    init(name: String) {
        let thread = Thread { [self] in
            self.run()
        }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        precondition(isCurrentThread, "expected to run on the PostgreSQL connection thread")
    }

    /// Lets the thread end once every job already enqueued has run.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let owner else { return false }
        return pthread_equal(owner, pthread_self()) != 0
    }

    private func run() {
        condition.lock()
        owner = pthread_self()
        condition.unlock()
        let executor = asUnownedSerialExecutor()
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                condition.wait()
            }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: executor)
            }
        }
    }
}
