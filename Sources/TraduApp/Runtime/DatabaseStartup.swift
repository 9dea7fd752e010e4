import Logging
import TraduStore

/// Starting a long-running process while the database is not reachable (still starting, restarting, failing
/// over) is normal in a fleet: the process waits for it, with backoff and a log line per attempt, instead of
/// exiting. Only connection failures are waited out; any other error (bad credentials, a schema from a newer
/// build) still stops the process at once.
enum DatabaseStartup {
    /// Runs `step` until it succeeds, or returns nil when shutdown is requested first.
    static func waitingForDatabase<T: Sendable>(
        _ what: String, logger: Logger, shutdown: ShutdownSignal, _ step: () async throws -> T
    ) async throws -> T? {
        var attempt = 0
        while !shutdown.isRequested {
            do {
                return try await step()
            } catch let error as StoreError where error.isTransient {
                attempt += 1
                let delay = Duration.milliseconds(min(250 * (1 << min(attempt, 5)), 5_000))
                logger.warning(
                    "database unavailable at startup; retrying",
                    metadata: [
                        "step": "\(what)", "attempt": "\(attempt)", "error": "\(error)",
                        "retry_in_ms": "\(Int(delay / .milliseconds(1)))",
                    ])
                try? await Task.sleep(for: delay)
            }
        }
        return nil
    }
}
