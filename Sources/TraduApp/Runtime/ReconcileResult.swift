/// What a reconcile cycle wants next, as controller-runtime's `Result` does: when to run again.
public struct ReconcileResult: Sendable, Hashable {
    /// Run again after this long at the latest.
    public var requeueAfter: Duration
    /// Run again as soon as workers report finished blocks: a concurrency cap held waiting blocks back, so
    /// freed room is worth acting on at once (no sooner than the controller's minimum gap).
    public var requeueOnFreedRoom: Bool

    public init(requeueAfter: Duration, requeueOnFreedRoom: Bool = false) {
        self.requeueAfter = requeueAfter
        self.requeueOnFreedRoom = requeueOnFreedRoom
    }
}
