import Testing
import TraduPostgres
import TraduStore
import TraduTestSupport

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
