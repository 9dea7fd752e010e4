import TraduStore

/// The result of processing one block, waiting to be committed. A class, never changed: batches are filtered,
/// split and walked several times on their way to the database, and a struct's copy retained every string of
/// the block and its results each time.
final class WorkOutcome: Sendable {
    let block: ClaimedBlock
    let result: BlockProcessor.Outcome
    let claimedAt: ContinuousClock.Instant
    /// Who holds the block's lease, when not this worker: `provider-batch` for an attempt finished from a
    /// provider batch's answers.
    let owner: String?

    init(block: ClaimedBlock, result: BlockProcessor.Outcome, claimedAt: ContinuousClock.Instant, owner: String? = nil)
    {
        self.block = block
        self.result = result
        self.claimedAt = claimedAt
        self.owner = owner
    }

    /// The same block's outcome, changed to `result`.
    func with(result: BlockProcessor.Outcome) -> WorkOutcome {
        WorkOutcome(block: block, result: result, claimedAt: claimedAt, owner: owner)
    }
}

/// Collects outcomes so that many commit in one transaction (group commit): the first outcome starts a
/// short timer, and the batch goes when it is full or the timer ends.
actor OutcomeBuffer {
    private var pending: [WorkOutcome] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var closed = false

    func add(_ outcome: WorkOutcome) {
        pending.append(outcome)
        waiter?.resume()
        waiter = nil
    }

    func close() {
        closed = true
        waiter?.resume()
        waiter = nil
    }

    /// The next batch; empty only once closed and drained.
    func next(max: Int, within delay: Duration) async -> [WorkOutcome] {
        while pending.isEmpty && !closed {
            await withCheckedContinuation { waiter = $0 }
        }
        if pending.count < max && !closed {
            try? await Task.sleep(for: delay)
        }
        guard pending.count > max else {
            defer { pending = [] }
            return pending
        }
        let batch = Array(pending.prefix(max))
        pending.removeFirst(batch.count)
        return batch
    }
}
