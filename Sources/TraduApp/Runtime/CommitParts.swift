import TraduCore
import TraduStore

/// The three transactions a worker commits a batch's outcomes in, in this order.
enum CommitPart: Sendable, Hashable {
    case completions
    case failures
    case providerBatches

    init(of result: BlockProcessor.Outcome) {
        switch result {
        case .completed: self = .completions
        case .failed: self = .failures
        case .batched: self = .providerBatches
        }
    }
}

/// A batch's outcomes as the store takes them (`Worker.commitParts(of:_:)`).
struct CommitParts {
    var completions: [CompletedBlock] = []
    var memory: [(key: String, translation: String)] = []
    var failures: [FailedAttempt] = []
    var batched: [(block: ClaimedBlock, requests: [NewBatchRequest])] = []
}
