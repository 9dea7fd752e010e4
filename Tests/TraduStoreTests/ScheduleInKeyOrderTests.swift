import Testing
import TraduCore
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Migration 23 (`scheduleInKeyOrder`): an apply adds its blocks in the order of their ids, so they are numbered
/// (`blocks.key`) and stored in that order, and the rotator takes each pipeline's waiting blocks in the order they
/// were added, those from before migration 22 (no number) first.
@Suite struct ScheduleInKeyOrderTests {
    /// `count` blocks with tradu's 32-digit ids, in a plan order that is not theirs.
    static func blocks(_ count: Int, from start: Int = 0) -> [BlockRow] {
        (start..<start + count).map { index in
            BlockRow(
                id: WorkItem.id(pipeline: "translate", blockHash: "h\(index)", targetLanguage: "fr"),
                pipeline: "translate", blockHash: "h\(index)", targetLanguage: "fr", ordinal: index,
                specHash: "spec-1")
        }
    }

    /// Ids of the blocks `revision` added, in the order of their numbers.
    static func idsByKey(_ store: Store, revision: Int) async throws -> [String] {
        try await store.connection.query(
            "SELECT id FROM blocks WHERE revision = $1 ORDER BY key", [String(revision)]
        ).map { try $0.required("id") }
    }

    @Test func anApplyAddsItsBlocksInTheOrderOfTheirIDsOnBothPaths() async throws {
        let store = try await StoreFixtures.freshStore()
        // The first apply loads in bulk, the second goes row by row (a block is stored).
        let first = Self.blocks(40)
        #expect(first.map(\.id) != first.map(\.id).sorted(), "the plan's order is not the ids'")
        var bulk = StoreFixtures.batch(
            serial: 0, contents: (0..<40).map { StoreFixtures.content("h\($0)") }, newBlocks: first,
            pipelines: [StoreFixtures.pipeline()])
        bulk.bulkLoadMinimum = 1
        try await store.apply(bulk)
        #expect(try await Self.idsByKey(store, revision: 1) == first.map(\.id).sorted())

        let second = Self.blocks(40, from: 40)
        try await store.apply(
            StoreFixtures.batch(
                serial: 1, contents: (40..<80).map { StoreFixtures.content("h\($0)") }, newBlocks: second))
        let added = try await Self.idsByKey(store, revision: 2)
        #expect(added == second.map(\.id).sorted())
        // Every number of the second apply is above the first's: applies are scheduled in turn.
        let bounds = try await store.connection.query(
            """
            SELECT (SELECT max(key) FROM blocks WHERE revision = 1) < (SELECT min(key) FROM blocks WHERE revision = 2)
                AS later
            """)
        #expect(bounds[0]["later"] == "t")
        // The `planned` events follow the numbers too.
        let logged = try await store.connection.query(
            "SELECT block_id FROM block_events WHERE to_state = 'created' ORDER BY id"
        ).map { try $0.required("block_id") as String }
        #expect(logged == first.map(\.id).sorted() + second.map(\.id).sorted())
    }

    /// A step takes the waiting blocks without a number first (added before migration 22), then by number.
    @Test func theRotatorSchedulesBlocksInTheOrderTheyWereAdded() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 30)
        let ids = try await store.connection.query("SELECT id FROM blocks ORDER BY key").map {
            try $0.required("id") as String
        }
        let unnumbered = [ids[29], ids[17]]
        try await store.connection.query(
            "UPDATE blocks SET key = NULL WHERE id = ANY($1::text[])", [SQLText.arrayLiteral(unnumbered)])
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 5)]) == ["translate": 5])
        let enqueued = try await store.connection.query("SELECT id FROM blocks WHERE state = 'enqueued'").map {
            try $0.required("id") as String
        }
        #expect(Set(enqueued) == Set(unnumbered + ids.filter { !unnumbered.contains($0) }.prefix(3)))
        // The next step goes on from there.
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 4)]) == ["translate": 4])
        let next = try await store.connection.query("SELECT id FROM blocks WHERE state = 'enqueued'").map {
            try $0.required("id") as String
        }
        #expect(Set(next) == Set(unnumbered + ids.filter { !unnumbered.contains($0) }.prefix(7)))
    }

    /// The rotator's statements and the probes for waiting blocks walk the index in its order, whatever the
    /// statistics say.
    @Test func schedulingReadsTheIndexByKey() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 5_000)
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE blocks")
        let quota = Store.scheduleParameters([PipelineQuota(pipeline: "translate", limit: 2_000)])
        let demand = Store.demandParameters([(pipeline: "translate", waitingUpTo: 2_000, inFlightUpTo: 0)])
        func explain(_ sql: String, _ parameters: [String?]) async throws -> String {
            try await store.connection.query("EXPLAIN " + sql, parameters).compactMap { $0[0] }.joined(separator: "\n")
        }
        for (sql, parameters) in [(Store.scheduleSQL, quota), (Store.demandSQL, demand)] {
            let plan = try await explain(sql, parameters)
            #expect(plan.contains("blocks_schedulable_by_key"), "\(plan)")
            #expect(!plan.contains("Sort Key: b."), "\(plan)")
        }
        // The probes for waiting blocks (`tradu run`'s end of work, each poll) read it too.
        for sql in [Store.activeBlocksSQL, Store.waitingPipelinesSQL] {
            let plan = try await explain(sql, [])
            #expect(plan.contains("blocks_schedulable_by_key"), "\(plan)")
            #expect(!plan.contains("Seq Scan on blocks"), "\(plan)")
        }
        // The index in dataset order, kept through migration 24 for the releases that scheduled by it, is gone
        // (migration 25): nothing reads it, and every apply paid an entry a block.
        let indexes = try await store.connection.query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'blocks'"
        ).map { try $0.required("indexname") as String }
        #expect(indexes.contains("blocks_schedulable_by_key"))
        #expect(!indexes.contains("blocks_schedulable"), "\(indexes)")
    }
}
