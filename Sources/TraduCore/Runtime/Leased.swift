/// Work held under a lease, identified for fencing by (id, attempt): the same block claimed again after a
/// requeue is a different lease.
public protocol Leased: Sendable, Hashable {
    var id: String { get }
    var attempt: Int { get }
}
