import Glibc

/// A small pool of dedicated threads for blocking calls, so they never occupy Swift's cooperative pool.
///
/// Threads start on demand up to `maxThreads` and exit after `idleTimeout` without work. Each thread owns
/// one `Resource` (made by `makeResource` on that thread) that it hands to every job it runs: for libcurl an
/// easy handle, whose connection cache then survives between requests.
final class BlockingWorkerPool<Resource>: @unchecked Sendable {
    typealias Job = @Sendable (Resource) -> Void

    private let maxThreads: Int
    private let idleTimeout: Duration
    private let makeResource: @Sendable () -> Resource
    // Guarded by `mutex`.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var jobs: [Job] = []
    private var jobsHead = 0
    private var threads = 0
    private var idle = 0
    private var shuttingDown = false

    init(maxThreads: Int, idleTimeout: Duration = .seconds(30), makeResource: @escaping @Sendable () -> Resource) {
        self.maxThreads = max(1, maxThreads)
        self.idleTimeout = idleTimeout
        self.makeResource = makeResource
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Queues `job`; it runs on a pool thread as soon as one is free.
    func submit(_ job: @escaping Job) {
        pthread_mutex_lock(mutex)
        jobs.append(job)
        let pending = jobs.count - jobsHead
        let spawn = pending > idle && threads < maxThreads
        if spawn { threads += 1 }
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        if spawn { startThread() }
    }

    /// Lets running and queued jobs finish, then ends every thread.
    func shutdown() {
        pthread_mutex_lock(mutex)
        shuttingDown = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    private func startThread() {
        // The thread keeps the pool alive until it exits.
        if !startDetachedThread({ self.runWorker() }) {
            // Out of threads: run the queue here rather than leave the job stranded.
            pthread_mutex_lock(mutex)
            threads -= 1
            pthread_mutex_unlock(mutex)
            runWorker(exitWhenIdle: true)
        }
    }

    private func runWorker(exitWhenIdle: Bool = false) {
        let resource = makeResource()
        while let job = nextJob(exitWhenIdle: exitWhenIdle) {
            job(resource)
        }
    }

    /// The next job, or nil when this thread should exit.
    private func nextJob(exitWhenIdle: Bool) -> Job? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while jobsHead == jobs.count {
            if shuttingDown || exitWhenIdle {
                if !exitWhenIdle { threads -= 1 }
                return nil
            }
            idle += 1
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let (seconds, attoseconds) = idleTimeout.components
            deadline.tv_sec += Int(seconds)
            deadline.tv_nsec += Int(attoseconds / 1_000_000_000)
            if deadline.tv_nsec >= 1_000_000_000 {
                deadline.tv_sec += 1
                deadline.tv_nsec -= 1_000_000_000
            }
            let waited = pthread_cond_timedwait(condition, mutex, &deadline)
            idle -= 1
            if waited == ETIMEDOUT && jobsHead == jobs.count {
                threads -= 1
                return nil
            }
        }
        let job = jobs[jobsHead]
        jobsHead += 1
        if jobsHead == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            jobsHead = 0
        }
        return job
    }
}
