import Foundation
import Synchronization
import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

/// A large first apply drops the block tables' keys and indexes and builds them after the load (`BulkLoad`):
/// it must leave the same schema and the same rows as the row-by-row path, and roll back whole when it fails.
@Suite struct BulkLoadTests {
    static let contents = (0..<4).map { StoreFixtures.content("h\($0)") }
    static let blocks = (0..<4).flatMap { index in
        ["de", "fr"].map { StoreFixtures.block("h\(index)", $0, ordinal: index) }
    }

    static func firstApply(minimum: Int, blocks: [BlockRow] = blocks) -> ApplyBatch<[BlockContentRow]> {
        var batch = StoreFixtures.batch(
            serial: 0, contents: contents, newBlocks: blocks,
            pipelines: [
                StoredPipeline.init(
                    name: "translate", dataset: "docs", specHash: "spec-1", processingSpec: "{}", sizing: "{}")
            ])
        batch.bulkLoadMinimum = minimum
        return batch
    }

    /// Every key, index and foreign key of the block tables (and those referencing them), as the catalog
    /// defines them.
    static func schema(_ store: Store) async throws -> [String] {
        let tables = SQLText.arrayLiteral(BulkLoad.tables)
        let constraints = try await store.connection.query(
            """
            SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line
            FROM pg_constraint
            WHERE contype IN ('p', 'u', 'f') AND (conrelid = ANY($1::regclass[]) OR confrelid = ANY($1::regclass[]))
            """, [tables])
        let indexes = try await store.connection.query(
            "SELECT pg_get_indexdef(indexrelid) AS line FROM pg_index WHERE indrelid = ANY($1::regclass[])", [tables])
        return (Array(constraints) + Array(indexes)).compactMap { $0["line"] }.sorted()
    }

    /// The object ids of the block tables' indexes: new ones after a rebuild.
    static func indexIDs(_ store: Store) async throws -> [String] {
        try await store.connection.query(
            "SELECT indexrelid::text AS id FROM pg_index WHERE indrelid = ANY($1::regclass[]) ORDER BY 1",
            [SQLText.arrayLiteral(BulkLoad.tables)]
        ).compactMap { $0["id"] }
    }

    static func indexIDs(_ store: Store, named names: [String]) async throws -> [String] {
        try await store.connection.query(
            "SELECT indexrelid::text AS id FROM pg_index WHERE indexrelid::regclass::text = ANY($1::text[]) ORDER BY 1",
            [SQLText.arrayLiteral(names)]
        ).compactMap { $0["id"] }
    }

    static func rows(_ store: Store) async throws -> [String] {
        let blocks = try await store.connection.query(
            """
            SELECT id, pipeline, block_hash, target_language, ordinal, spec_hash, priority, revision, state, attempt
            FROM blocks ORDER BY id
            """)
        let events = try await store.connection.query(
            "SELECT block_id, from_state, to_state, attempt, reason FROM block_events ORDER BY block_id")
        let contents = try await store.connection.query(
            "SELECT hash, record_count, byte_count, records FROM block_contents ORDER BY hash")
        // A content's blocks (written by the trigger row by row, by `BulkLoad` itself in bulk), and whether the
        // trigger is on again for the applies after.
        let contentBlocks = try await store.connection.query(
            "SELECT block_hash, block_id FROM content_blocks ORDER BY block_hash, block_id")
        let triggers = try await store.connection.query(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'blocks'::regclass AND NOT tgisinternal")
        let lines = { (rows: PostgresRows) in
            rows.map { row in rows.columns.map { row[$0] ?? "NULL" }.joined(separator: "|") }
        }
        return lines(blocks) + lines(events) + lines(contents) + lines(contentBlocks) + lines(triggers)
    }

    @Test func aLargeFirstApplyLeavesTheSameSchemaAndRowsAsTheRowByRowPath() async throws {
        let bulk = try await StoreFixtures.freshStore()
        let reported = Mutex<[BlockTransition]>([])
        var observed = bulk
        observed.transitions = TransitionObserver(everyTransition: true) { made in
            reported.withLock { $0 += made }
        }
        let rowByRow = try await StoreFixtures.freshStore()
        let schemaBefore = try await Self.schema(bulk)
        let idsBefore = try await Self.indexIDs(bulk)
        #expect(schemaBefore.contains { $0.contains("blocks_pkey PRIMARY KEY (id)") })
        #expect(schemaBefore.contains { $0.contains("FOREIGN KEY (block_hash) REFERENCES") })

        try await observed.apply(Self.firstApply(minimum: Self.blocks.count))
        let rowByRowIDs = try await Self.indexIDs(rowByRow)
        try await rowByRow.apply(Self.firstApply(minimum: Self.blocks.count + 1))

        #expect(try await Self.indexIDs(bulk) != idsBefore, "the bulk path rebuilt the indexes")
        #expect(try await Self.indexIDs(rowByRow) == rowByRowIDs, "one block fewer than the minimum: row by row")
        #expect(
            try await Self.schema(bulk) == schemaBefore, "every key, index and foreign key as the migrations made it")
        #expect(try await Self.schema(rowByRow) == schemaBefore)
        #expect(try await Self.rows(bulk) == Self.rows(rowByRow))
        let mapped = try await bulk.connection.query(
            """
            SELECT (SELECT count(*) FROM content_blocks) AS mapped, (SELECT count(*) FROM blocks) AS blocks,
                   (SELECT tgenabled FROM pg_trigger WHERE tgname = 'blocks_content_blocks') AS enabled
            """)
        #expect(mapped[0]["mapped"] == mapped[0]["blocks"] && mapped[0]["blocks"] != "0")
        #expect(mapped[0]["enabled"] == "O", "the trigger is on again after a bulk load")
        #expect(try await StoreFixtures.events(bulk, "translate/h2/fr") == ["nil>created:planned@0"])
        let transitions = reported.withLock { $0 }
        #expect(transitions.count == Self.blocks.count)
        #expect(transitions.allSatisfy { $0.pipeline == "translate" && $0.to == .created && $0.reason == "planned" })
        #expect(Set(transitions.map(\.blockID)) == Set(Self.blocks.map(\.id)))

        // With a block stored, a second apply never takes the bulk path, whatever its size.
        let idsAfter = try await Self.indexIDs(bulk)
        var second = StoreFixtures.batch(
            serial: 1, contents: [StoreFixtures.content("h9")], newBlocks: [StoreFixtures.block("h9", "fr")])
        second.bulkLoadMinimum = 1
        try await bulk.apply(second)
        #expect(try await Self.indexIDs(bulk) == idsAfter)
    }

    /// The default threshold, as `tradu apply` uses it (nothing set on the batch): measured faster in bulk from about
    /// 2,000 blocks, so a first apply of 5,000 takes the bulk path and one of 4,999 the row-by-row path.
    @Test func aFirstApplyOfFiveThousandBlocksLoadsInBulkByDefault() async throws {
        #expect(BulkLoad.defaultMinimum == 5_000)
        for (count, bulk) in [(BulkLoad.defaultMinimum, true), (BulkLoad.defaultMinimum - 1, false)] {
            let store = try await StoreFixtures.freshStore()
            let idsBefore = try await Self.indexIDs(store)
            let contents = (0..<count).map { StoreFixtures.content("c\($0)") }
            let blocks = (0..<count).map { StoreFixtures.block("c\($0)", "fr", ordinal: $0) }
            let batch = StoreFixtures.batch(
                serial: 0, contents: contents, newBlocks: blocks, pipelines: [StoreFixtures.pipeline()])
            try await store.apply(batch)
            let idsAfter = try await Self.indexIDs(store)
            let rebuilt = idsAfter != idsBefore
            if bulk {
                // The queue's partial indexes, which no created block enters, stay as they were.
                let kept = try await Self.indexIDs(store, named: BulkLoad.keptInPlace)
                #expect(kept.count == BulkLoad.keptInPlace.count)
                #expect(Set(kept).isSubset(of: idsBefore) && Set(kept).isSubset(of: idsAfter))
                #expect(Set(idsAfter).subtracting(kept).isDisjoint(with: idsBefore), "every other index was rebuilt")
            }
            #expect(
                rebuilt == bulk,
                "\(count) new blocks: \(bulk ? "bulk, indexes rebuilt" : "row by row, indexes kept")")
            #expect(try await StoreFixtures.count(store, "blocks") == count)
            #expect(try await StoreFixtures.count(store, "content_blocks") == count)
        }
    }

    /// A bulk load leaves every table's size known to the planner (the index builds record it) and gathers the
    /// statistics of `blocks`' labels, but not of `state`: taken at apply, they would say every block is created
    /// until autovacuum analyses the busy table again, and the planner would scan the table for the few left.
    @Test func aBulkLoadRecordsTheTablesSizesAndTheLabelsStatisticsButNotTheStates() async throws {
        let store = try await StoreFixtures.freshStore()
        // No autovacuum may analyse the tables between the apply and the checks.
        for table in BulkLoad.tables {
            try await store.connection.query("ALTER TABLE \(table) SET (autovacuum_enabled = false)")
        }
        try await store.apply(Self.firstApply(minimum: 1, blocks: Self.blocks))
        let sizes = [
            "block_contents": Self.contents.count, "blocks": Self.blocks.count, "block_events": Self.blocks.count,
            "content_blocks": Self.blocks.count,
        ]
        #expect(Set(sizes.keys) == Set(BulkLoad.tables))
        for (table, size) in sizes {
            let rows = try await store.connection.query(
                "SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass", [table])
            #expect(try rows[0].int("n") == size, "\(table)'s size, as the planner sees it")
        }
        let analysed = try await store.connection.query(
            """
            SELECT tablename || '.' || attname AS name FROM pg_stats
            WHERE schemaname = current_schema() AND tablename = ANY($1::text[]) ORDER BY 1
            """, [SQLText.arrayLiteral(BulkLoad.tables)]
        ).map { try $0.required("name") }
        #expect(analysed == ["blocks.pipeline", "blocks.target_language"], "\(analysed)")
    }

    @Test func aBulkLoadThatFailsRollsBackWithEveryIndexInPlace() async throws {
        let store = try await StoreFixtures.freshStore()
        let schemaBefore = try await Self.schema(store)
        let idsBefore = try await Self.indexIDs(store)

        // A block whose content is neither stored nor sent: the foreign key, checked after the load, refuses it.
        let refusal = await #expect(throws: StoreError.self) {
            try await store.apply(
                Self.firstApply(minimum: 1, blocks: Self.blocks + [StoreFixtures.block("missing", "fr")]))
        }
        guard case .refused(let sqlState, _)? = refusal else {
            Issue.record("expected a refusal, got \(String(describing: refusal))")
            return
        }
        #expect(sqlState == "23503", "a foreign key violation")

        // The same block twice: the primary key, built after the load, refuses it.
        let duplicate = await #expect(throws: StoreError.self) {
            try await store.apply(Self.firstApply(minimum: 1, blocks: Self.blocks + [Self.blocks[0]]))
        }
        #expect("\(String(describing: duplicate))".contains("23505"), "\(String(describing: duplicate))")

        #expect(try await Self.schema(store) == schemaBefore)
        #expect(try await Self.indexIDs(store) == idsBefore, "nothing was dropped for good")
        #expect(try await StoreFixtures.count(store, "blocks") == 0)
        #expect(try await StoreFixtures.count(store, "block_events") == 0)
        #expect(try await StoreFixtures.count(store, "block_contents") == 0)
        #expect(try await store.environmentState().serial == 0)

        // The corrected plan applies at the same serial.
        #expect(try await store.apply(Self.firstApply(minimum: 1)) == AppliedRevision(number: 1, serial: 1))
        #expect(try await StoreFixtures.count(store, "blocks") == Self.blocks.count)
    }
}
