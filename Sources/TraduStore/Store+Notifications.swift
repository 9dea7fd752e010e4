/// Waking up on work instead of polling: workers listen for enqueued blocks, the leading controller for
/// blocks that finished (room under a cap). Delivered when the sender's transaction commits.
extension Store {
    /// What a process waits for.
    public enum Wakeup: Sendable {
        /// Blocks were enqueued (or retried): worth claiming.
        case work
        /// Workers finished blocks: capped pipelines have room.
        case freedRoom
    }

    /// Starts listening for `wakeup` on this store's connection; listened again after every reconnect. Use a
    /// store dedicated to the loop that waits.
    public func listen(for wakeup: Wakeup) async throws {
        guard wakeups else { return }
        try await connection.listen(channel(wakeup))
    }

    /// Waits up to `timeout` for a notification this store listens for. True when one (or more) arrived; all
    /// that arrived are consumed. A zero timeout only drains what is already there.
    @discardableResult
    public func waitForWakeup(timeout: Duration) async throws -> Bool {
        guard wakeups else {
            try? await Task.sleep(for: timeout)
            return false
        }
        return try await !connection.waitForNotifications(timeout: timeout).isEmpty
    }

    private func channel(_ wakeup: Wakeup) -> String {
        switch wakeup {
        case .work: workChannel
        case .freedRoom: freedChannel
        }
    }
}
