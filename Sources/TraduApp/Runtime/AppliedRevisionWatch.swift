import TraduCore
import TraduStore

/// The applied revision a long-running loop works from (never the files on disk, which may be ahead of what
/// was applied). A newer revision is looked for at most once per `checkEvery`, with one cheap query.
struct AppliedRevisionWatch: Sendable {
    var environment: String
    var checkEvery: Duration = .seconds(1)
    private(set) var current: AppliedManifests?
    private var lastCheck: ContinuousClock.Instant?
    private var unsettledRollouts: [Int64] = []

    init(environment: String) {
        self.environment = environment
    }

    /// Re-reads the applied manifests when a newer revision exists. Returns true when `current` changed, or when a
    /// rollout started or settled: a completed rollout records no revision, yet the runtimes a worker built for its
    /// two specs (and its engine's limit, the smaller of theirs) must give way.
    @discardableResult
    mutating func refresh(from store: Store, now: ContinuousClock.Instant = .now) async throws -> Bool {
        if current != nil, let lastCheck, now - lastCheck < checkEvery { return false }
        lastCheck = now
        let stamp = try await store.appliedStamp()
        let latest = stamp.revision
        let rolloutsChanged = stamp.unsettledRollouts != unsettledRollouts
        unsettledRollouts = stamp.unsettledRollouts
        if let current, current.revision == latest { return rolloutsChanged }
        guard let loaded = try await AppliedManifests.load(from: store, environment: environment) else { return false }
        current = loaded
        return true
    }
}
