import TraduCore
import TraduStore

/// The applied revision a long-running loop works from (never the files on disk, which may be ahead of what
/// was applied). A newer revision is looked for at most once per `checkEvery`, with one cheap query.
struct AppliedRevisionWatch: Sendable {
    var environment: String
    var checkEvery: Duration = .seconds(1)
    private(set) var current: AppliedManifests?
    private var lastCheck: ContinuousClock.Instant?

    init(environment: String) {
        self.environment = environment
    }

    /// Re-reads the applied manifests when a newer revision exists. Returns true when `current` changed.
    @discardableResult
    mutating func refresh(from store: Store, now: ContinuousClock.Instant = .now) async throws -> Bool {
        if current != nil, let lastCheck, now - lastCheck < checkEvery { return false }
        lastCheck = now
        let latest = try await store.latestRevisionNumber()
        if let current, current.revision == latest { return false }
        guard let loaded = try await AppliedManifests.load(from: store, environment: environment) else { return false }
        current = loaded
        return true
    }
}
