/// What `tradu prune` keeps, and how it deletes: in batches, each its own short transaction, so a prune never
/// holds locks or a snapshot for long and can be stopped at any point.
public struct Retention: Sendable, Equatable {
    /// Block events older than this go (a block's current state and last error stay on its row).
    public var events: DurationValue
    /// Cancelled blocks whose cancellation is older than this go, with their events and results; then the block
    /// contents no block references any more.
    public var cancelledBlocks: DurationValue
    /// Rows per delete.
    public var batchSize: Int

    /// 30 days of events and of cancelled blocks, 5,000 rows a batch.
    public static let `default` = Retention(
        events: .seconds(30 * 24 * 3600), cancelledBlocks: .seconds(30 * 24 * 3600), batchSize: 5_000)

    public init(events: DurationValue, cancelledBlocks: DurationValue, batchSize: Int) {
        self.events = events
        self.cancelledBlocks = cancelledBlocks
        self.batchSize = max(1, batchSize)
    }
}
