import TraduStore

/// The pipeline and target language of blocks the event feed has met, so that its reader looks a block up once
/// instead of joining every event to its block: a block's runtime events arrive within seconds of each other,
/// so most reads find their blocks here. Bounded: two generations of at most `capacity` entries; a block found
/// in the older one moves to the newer, and when the newer is full the older is dropped.
struct BlockLabelCache {
    let capacity: Int
    private var current: [String: BlockLabel] = [:]
    private var previous: [String: BlockLabel] = [:]

    init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    var count: Int { current.count + previous.count }

    mutating func label(_ blockID: String) -> BlockLabel? {
        if let found = current[blockID] { return found }
        guard let found = previous.removeValue(forKey: blockID) else { return nil }
        insert(blockID, found)
        return found
    }

    mutating func insert(_ blockID: String, _ label: BlockLabel) {
        if current.count >= capacity {
            previous = current
            current = [:]
        }
        current[blockID] = label
    }
}
