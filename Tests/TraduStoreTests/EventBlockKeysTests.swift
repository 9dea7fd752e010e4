import Testing
import TraduCore
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Migration 22 (`eventBlockKeys`): a block added since has a number (`blocks.key`, in the order blocks are added),
/// its events carry it and are found by it; events without one (a block older than the migration, or written by
/// the previous release during a rolling update) are found by id. Every reader of a block's events sees both.
@Suite struct EventBlockKeysTests {
    /// `block_key` of each of `id`'s events, oldest first ("-" for none).
    static func eventKeys(_ store: Store, _ id: String) async throws -> [String] {
        try await store.connection.query(
            "SELECT coalesce(block_key::text, '-') AS k FROM block_events WHERE block_id = $1 ORDER BY id", [id]
        ).map { try $0.required("k") }
    }

    @Test func blocksAreNumberedInTheOrderTheyAreAddedAndTheirEventsCarryTheNumber() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 30, eventsAsRows: true)
        let numbered = try await store.connection.query("SELECT id FROM blocks ORDER BY key")
        #expect(numbered.count == 30)
        // The apply adds its blocks in the order of their ids (migration 23).
        #expect(try numbered.map { try $0.required("id") } == (0..<30).map { RuntimeFixtures.id($0) }.sorted())
        let claimed = try await store.claim(instanceID: "w1", limit: 2, leaseDuration: .seconds(60))
            .sorted { $0.id < $1.id }
        #expect(try await store.complete([RuntimeFixtures.completion(claimed[0], by: "w1")]) == [claimed[0].id])
        let key = try #require(try await RuntimeFixtures.column(store, claimed[0].id, "key"))
        #expect(try await Self.eventKeys(store, claimed[0].id) == [key, key, key, key])
        let trace = try await store.events(blockID: claimed[0].id)
        #expect(trace.map(\.toState) == [.created, .enqueued, .inProcess, .completed])
        #expect(trace.map(\.sequence) == trace.map(\.sequence).sorted())
    }

    /// A block from before the migration (no number) and events the previous release wrote (no number) are read
    /// with the rest by `trace`, the API's pages, the look-up after a broken commit, and the prune.
    @Test func eventsWithoutAKeyAreFoundByEveryReader() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 4, eventsAsRows: true)
        let old = RuntimeFixtures.id(0)
        let mixed = RuntimeFixtures.id(1)
        // Block 0 as if added before migration 22; block 1 keeps its number, but the previous release (which
        // does not know `block_key`) logged a transition of it.
        try await store.connection.query("UPDATE blocks SET key = NULL WHERE id = $1", [old])
        try await store.connection.query("UPDATE block_events SET block_key = NULL WHERE block_id = $1", [old])
        try await store.connection.query(
            """
            INSERT INTO block_events (block_id, from_state, to_state, attempt, reason)
            VALUES ($1, 'enqueued', 'enqueued', 0, 'noted by the previous release')
            """, [mixed])
        let claimed = try await store.claim(instanceID: "w1", limit: 4, leaseDuration: .seconds(60))
        let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
        let done = [old, mixed].compactMap { byID[$0] }.map { RuntimeFixtures.completion($0, by: "w1") }
        #expect(try await store.complete(done) == [old, mixed])

        // This build's own events of a block without a number carry none either.
        #expect(try await Self.eventKeys(store, old) == ["-", "-", "-", "-"])
        let key = try #require(try await RuntimeFixtures.column(store, mixed, "key"))
        #expect(try await Self.eventKeys(store, mixed) == [key, key, "-", key, key])

        for id in [old, mixed] {
            let trace = try await store.events(blockID: id)
            #expect(trace.last?.toState == .completed, "\(id)")
            #expect(trace.count == (id == old ? 4 : 5), "\(id)")
            #expect(trace.map(\.sequence) == trace.map(\.sequence).sorted())
            // Pages of two, in order, end to end.
            var paged: [BlockEvent] = []
            var after: Int64 = 0
            while true {
                let page = try await store.eventPage(blockID: id, after: after, limit: 2)
                guard let last = page.last else { break }
                paged += page
                after = last.sequence
            }
            #expect(paged.map(\.sequence) == trace.map(\.sequence))
        }
        let outcomes = [old, mixed].map { (id: $0, attempt: byID[$0]!.attempt, instanceID: "w1") }
        #expect(try await store.loggedOutcomes(outcomes, of: .completion) == [old, mixed])

        // The prune of cancelled blocks deletes both kinds of events with their blocks.
        try await store.connection.query(
            "UPDATE blocks SET state = 'cancelled', updated_at = now() - interval '2 days' WHERE id = ANY($1::text[])",
            [SQLText.arrayLiteral([old, mixed])])
        _ = try await store.pruneCancelledBlocks(olderThan: .seconds(3600), after: nil, limit: 100)
        let left = try await store.connection.query(
            "SELECT count(*)::text AS n FROM block_events WHERE block_id = ANY($1::text[])",
            [SQLText.arrayLiteral([old, mixed])])
        #expect(left.first?["n"] == "0")
        #expect(try await Self.eventKeys(store, RuntimeFixtures.id(2)).count == 3, "other blocks keep theirs")
    }

    /// A block's events are read through the two indexes by block, never by walking the log, and the check can
    /// fail: without the index by key, the same statement reads `block_events` whole.
    @Test func aBlocksEventsAreReadThroughTheIndexesByBlock() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3_000, eventsAsRows: true)
        _ = try await store.claim(instanceID: "w1", limit: 1_000, leaseDuration: .seconds(60))
        try await store.connection.query("ANALYZE")
        let sql = """
            EXPLAIN SELECT id FROM \(EventLogSQL.eventsOfBlocks("ARRAY[$1::text]")) AS e ORDER BY id
            """
        func plan(first: String? = nil) async throws -> String {
            try await RuntimeFixtures.rolledBack(store) { connection in
                if let first { try connection.execute(first) }
                return try connection.query(sql, [RuntimeFixtures.id(7)]).compactMap { $0[0] }.joined(separator: "\n")
            }
        }
        let indexed = try await plan()
        #expect(indexed.contains("block_events_by_block_key"), "\(indexed)")
        #expect(indexed.contains("block_events_unkeyed"), "\(indexed)")
        #expect(!indexed.contains("Seq Scan on block_events"), "\(indexed)")
        let unindexed = try await plan(first: "DROP INDEX block_events_by_block_key")
        #expect(unindexed.contains("Seq Scan on block_events"), "\(unindexed)")
    }
}
