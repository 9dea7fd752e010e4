import Testing
import TraduPostgres

@testable import TraduStore

/// Plans of realistic size go through the bulk paths. No timing is asserted: speed is a benchmark's business.
@Suite struct LargeApplyTests {
    @Test func hundredThousandBlocks() async throws {
        let store = try await StoreFixtures.freshStore()
        let hashes = 2_000
        let languages = (0..<50).map { "l\($0)" }
        let contents = (0..<hashes).lazy.map { StoreFixtures.content("hash-\($0)") }
        let blocks = (0..<hashes).flatMap { index in
            languages.map { StoreFixtures.block("hash-\(index)", $0, ordinal: index) }
        }
        #expect(blocks.count == 100_000)

        let applied = try await store.apply(
            ApplyBatch(
                expectedLineage: nil, expectedSerial: 0, contents: contents, newBlocks: NewBlockRows(blocks),
                pipelines: [StoreFixtures.pipeline()], revision: StoreFixtures.revision()))
        #expect(applied == AppliedRevision(number: 1, serial: 1))
        #expect(try await store.knownBlockHashes().count == hashes)
        let stored = try await store.blocks()
        #expect(stored.count == 100_000)
        #expect(Set(stored.map(\.id)) == Set(blocks.map(\.id)))
        #expect(try await StoreFixtures.count(store, "block_events") == 100_000)

        // Half of them reprocessed, the other half cancelled.
        let ids = blocks.map(\.id)
        try await store.apply(
            StoreFixtures.batch(
                serial: 1,
                reprocess: ids[..<50_000].map { BlockReprocess(id: $0, specHash: "spec-2", reason: "spec changed") },
                cancel: Array(ids[50_000...])))
        let counts = try await store.connection.query(
            "SELECT state, spec_hash, count(*) AS n FROM blocks GROUP BY 1, 2 ORDER BY 1")
        #expect(
            counts.map { "\($0["state"]!) \($0["spec_hash"]!) \($0["n"]!)" } == [
                "cancelled spec-1 50000", "created spec-2 50000",
            ])
        #expect(try await StoreFixtures.count(store, "block_events") == 200_000)
    }
}
