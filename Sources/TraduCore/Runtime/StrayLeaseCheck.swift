/// When a worker looks for blocks leased to it that it does not hold.
///
/// A claim commits on the server before its reply reaches the worker. When the connection breaks between the two
/// (a crashed or restarted PostgreSQL, a cut network), the claimed blocks are leased to the worker, which never
/// learned of them: nothing renews them, their leases lapse, and the watchdog charges each an attempt, failing a
/// block on its last one for the database's trouble. The worker therefore looks for such strays, and gives them
/// back uncharged, right after a failed claim step, and once every `interval` besides (a reply lost without an
/// error it saw). The look runs in the claim loop, between claims: a claim still in flight would otherwise have
/// its blocks taken for strays.
public struct StrayLeaseCheck: Sendable, Hashable {
    private var lastCheck: ContinuousClock.Instant
    private var claimInDoubt = false

    /// A worker that starts at `now` holds nothing it could have lost: its first look waits a whole interval.
    public init(now: ContinuousClock.Instant) {
        lastCheck = now
    }

    /// A claim step failed: its claim may have committed.
    public mutating func claimFailed() { claimInDoubt = true }

    /// Whether to look now: after a failed claim step, or when `interval` has passed since the last look.
    public func isDue(now: ContinuousClock.Instant, interval: Duration) -> Bool {
        claimInDoubt || now - lastCheck >= interval
    }

    /// The look succeeded (a failed one leaves the check due).
    public mutating func checked(at now: ContinuousClock.Instant) {
        lastCheck = now
        claimInDoubt = false
    }
}
