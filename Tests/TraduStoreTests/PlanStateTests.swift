import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

@Suite struct PlanStateTests {
    @Test func emptyEnvironment() async throws {
        let store = try await StoreFixtures.freshStore()
        let state = try await store.environmentState()
        #expect(state.serial == 0)
        #expect(state.lineage.count == 36)
        #expect(try await store.pipelines().isEmpty)
        #expect(try await store.blocks().isEmpty)
        #expect(try await store.knownBlockHashes().isEmpty)
        #expect(try await store.latestRevision() == nil)
        #expect(try await store.revisions().isEmpty)
    }

    @Test func revisionsAreListedNewestFirst() async throws {
        let store = try await StoreFixtures.freshStore()
        for serial in Int64(0)..<3 {
            try await store.apply(StoreFixtures.batch(serial: serial, message: "apply \(serial + 1)"))
        }
        let all = try await store.revisions()
        #expect(all.map(\.number) == [3, 2, 1])
        #expect(all.map(\.serial) == [3, 2, 1])
        #expect(all.map(\.message) == ["apply 3", "apply 2", "apply 1"])
        #expect(try await store.revisions(limit: 2).map(\.number) == [3, 2])
        #expect(try await store.latestRevision()?.number == 3)
    }

    /// What a worker polls once a second: the latest revision, and each pipeline's latest rollout while it keeps
    /// the pipeline between two specs (running, paused or rolled back), so that a rollout settling, which records
    /// no revision, still rebuilds the worker's runtimes.
    @Test func theAppliedStampNamesTheRolloutsThatHoldAPipelineBetweenTwoSpecs() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(StoreFixtures.batch(serial: 0))
        #expect(try await store.appliedStamp() == (1, []))
        func rollout(_ pipeline: String, _ phase: String) async throws -> Int64 {
            try await store.connection.query(
                """
                INSERT INTO rollouts (pipeline, revision, baseline_spec_hash, canary_spec_hash, canary_spec, spec, phase)
                VALUES ($1, 1, 'old', 'new', '{}', '{}', $2) RETURNING id
                """, [pipeline, phase]
            ).first.flatMap { $0["id"] }.flatMap { Int64($0) } ?? 0
        }
        _ = try await rollout("a", "completed")
        let running = try await rollout("b", "analyzing")
        let rolledBack = try await rollout("c", "rolled_back")
        _ = try await rollout("d", "superseded")
        #expect(try await store.appliedStamp() == (1, [running, rolledBack]))
        // A pipeline's newer rollout replaces its older one, whatever the older one's phase.
        _ = try await rollout("c", "completed")
        let paused = try await rollout("a", "paused")
        #expect(try await store.appliedStamp() == (1, [running, paused]))
        try await store.connection.query("UPDATE rollouts SET phase = 'completed' WHERE id = $1", [String(running)])
        #expect(try await store.appliedStamp() == (1, [paused]))
    }

    @Test func environmentsAreIsolated() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let dev = try await Store.open(url: url, environment: "dev")
        let staging = try await Store.open(url: url, environment: "staging")
        try await dev.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")],
                pipelines: [StoreFixtures.pipeline()]))

        #expect(try await dev.environmentState().serial == 1)
        #expect(try await dev.blocks().count == 1)
        #expect(try await staging.environmentState().serial == 0)
        #expect(try await staging.blocks().isEmpty)
        #expect(try await staging.knownBlockHashes().isEmpty)
        #expect(try await staging.pipelines().isEmpty)
        #expect(try await staging.revisions().isEmpty)

        // Staging's own first apply starts its own history.
        let applied = try await staging.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")]))
        #expect(applied == AppliedRevision(number: 1, serial: 1))
    }
}
