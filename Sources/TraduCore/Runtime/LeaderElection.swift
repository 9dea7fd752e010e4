/// One controller's view of the leader lease: when to renew it, whether it may act as the leader now, and
/// when leadership changed hands.
///
/// The lease itself lives in the database (one row, renewed by its holder, taken over with term + 1 once it
/// expired). This value type only decides; the `Controller` performs the renewals it asks for. Time is an
/// input, so every event is tested without a clock.
public struct LeaderElection: Sendable, Hashable {
    /// What the database answered to a renewal.
    public struct Lease: Sendable, Hashable {
        /// The current leader (this controller or another).
        public var holder: String
        /// Grows at every change of leader.
        public var term: Int64

        public init(holder: String, term: Int64) {
            self.holder = holder
            self.term = term
        }
    }

    enum State: Sendable, Hashable {
        /// Nothing known: at start, and after the database was lost.
        case unknown
        /// This controller holds the lease; it was last renewed at `renewedAt`.
        case leading(term: Int64, renewedAt: ContinuousClock.Instant)
        /// Another controller holds the lease (as of `askedAt`).
        case standingBy(leader: String, term: Int64, askedAt: ContinuousClock.Instant)
    }

    /// This controller's id, as written in the lease row.
    public let candidate: String
    /// How long a renewed lease lasts (the database's `expires_at`).
    public let leaseDuration: Duration
    /// How often to renew (or to try to take) the lease: a tick, at most half the lease.
    public let renewEvery: Duration
    private(set) var state = State.unknown

    public init(candidate: String, leaseDuration: Duration, renewEvery: Duration) {
        self.candidate = candidate
        self.leaseDuration = leaseDuration
        // Renewed at least twice per lease, or one slow cycle would let it lapse.
        self.renewEvery = min(renewEvery, leaseDuration / 2)
    }

    public enum TickAction: Sendable, Hashable {
        /// Renew the lease (or try to take it) now, and report the answer with `renewed`.
        case renew
        /// The last answer is recent enough: act on it.
        case keep
    }

    /// A cycle starts. Early wake-ups within a tick need not touch the lease row, which lasts many ticks.
    public func tick(now: ContinuousClock.Instant) -> TickAction {
        switch state {
        case .unknown: .renew
        case .leading(_, let renewedAt): now - renewedAt >= renewEvery ? .renew : .keep
        case .standingBy(_, _, let askedAt): now - askedAt >= renewEvery ? .renew : .keep
        }
    }

    public enum Transition: Sendable, Hashable {
        case none
        /// This controller took the lease: it leads from now on.
        case startedLeading(term: Int64)
        /// Another controller leads (it took over, or led already when this one started or came back).
        case standingBy(leader: String, term: Int64)
    }

    /// The database answered a renewal, sent at `now`.
    public mutating func renewed(_ lease: Lease, at now: ContinuousClock.Instant) -> Transition {
        let wasLeading = isLeaderState
        if lease.holder == candidate {
            state = .leading(term: lease.term, renewedAt: now)
            return wasLeading ? .none : .startedLeading(term: lease.term)
        }
        let previous = state
        state = .standingBy(leader: lease.holder, term: lease.term, askedAt: now)
        if case .standingBy(let leader, let term, _) = previous, leader == lease.holder, term == lease.term {
            return .none
        }
        return .standingBy(leader: lease.holder, term: lease.term)
    }

    /// The database could not be reached: the lease may be lapsing and someone else may take it. Act as a
    /// standby until a renewal says otherwise.
    public mutating func databaseLost() -> Transition {
        let wasLeading = isLeaderState
        state = .unknown
        return wasLeading ? .standingBy(leader: "unknown", term: 0) : .none
    }

    /// Whether this controller may act as the leader at `now`: it holds the lease and its last renewal has not
    /// run out (a cycle that took longer than the lease must not act on a lease that may have passed on).
    public func isLeading(at now: ContinuousClock.Instant) -> Bool {
        guard case .leading(_, let renewedAt) = state else { return false }
        return now - renewedAt < leaseDuration
    }

    /// The current term while leading.
    public var term: Int64? {
        if case .leading(let term, _) = state { return term }
        return nil
    }

    public enum ShutdownAction: Sendable, Hashable {
        /// Give the lease up now, so a standby takes over at its next try instead of after the lease.
        case resign
        case none
    }

    /// The controller stops.
    public mutating func shutdown() -> ShutdownAction {
        let wasLeading = isLeaderState
        state = .unknown
        return wasLeading ? .resign : .none
    }

    private var isLeaderState: Bool {
        if case .leading = state { return true }
        return false
    }
}
