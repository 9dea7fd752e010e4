import TraduStore

/// The result of processing one block, waiting to be committed.
struct WorkOutcome: Sendable {
    var block: ClaimedBlock
    var result: BlockProcessor.Outcome
    var claimedAt: ContinuousClock.Instant
    /// Who holds the block's lease, when not this worker: `provider-batch` for an attempt finished from a
    /// provider batch's answers.
    var owner: String? = nil
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
        let batch = Array(pending.prefix(max))
        pending.removeFirst(batch.count)
        return batch
    }
}
