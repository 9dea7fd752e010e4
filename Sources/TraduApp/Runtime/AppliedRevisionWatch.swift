import TraduCore
import TraduStore

/// The applied revision a long-running loop works from (never the files on disk, which may be ahead of what
/// was applied). A newer revision is looked for at most once per `checkEvery`, with one cheap query.
struct AppliedRevisionWatch: Sendable {
    var environment: String
    var checkEvery: Duration = .seconds(1)
    /// Also watch which rollouts keep a pipeline between two specs (a worker runs both specs while one does).
    var watchesRollouts = false
    private(set) var current: AppliedManifests?
    private var lastCheck: ContinuousClock.Instant?
    private var unsettledRollouts: [Int64] = []

    init(environment: String, watchesRollouts: Bool = false) {
        self.environment = environment
        self.watchesRollouts = watchesRollouts
    }

    /// Re-reads the applied manifests when a newer revision exists. Returns true when `current` changed, or (when
    /// watching rollouts) when a rollout started or settled: a completed rollout records no revision, yet the
    /// runtimes built for its two specs (and its engine's limit, the smaller of theirs) must give way.
    @discardableResult
    mutating func refresh(from store: Store, now: ContinuousClock.Instant = .now) async throws -> Bool {
        if current != nil, let lastCheck, now - lastCheck < checkEvery { return false }
        lastCheck = now
        let latest: Int64?
        var rolloutsChanged = false
        if watchesRollouts {
            let stamp = try await store.appliedStamp()
            latest = stamp.revision
            rolloutsChanged = stamp.unsettledRollouts != unsettledRollouts
            unsettledRollouts = stamp.unsettledRollouts
        } else {
            latest = try await store.latestRevisionNumber()
        }
        if let current, current.revision == latest { return rolloutsChanged }
        guard let loaded = try await AppliedManifests.load(from: store, environment: environment) else { return false }
        current = loaded
        return true
    }
}
