import Testing
import TraduCore
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// The readers of chunked events (`EventLogSQL`) reach them through the chunks' own indexes, never by reading every
/// chunk: a block's events through the GIN index on block keys, the stream through the primary key and the span's
/// GiST index, bounded by its limit however far behind the reader is. Checked on 3,000 blocks' events moved into
/// chunks (`EventChunkMover`), with statistics gathered.
@Suite struct EventChunkPlansTests {
    static func chunkedLog() async throws -> Store {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3_000, eventsAsRows: true)
        let claimed = try await store.claim(instanceID: "w1", limit: 2_000, leaseDuration: .seconds(60))
        _ = try await store.complete(claimed.prefix(1_500).map { RuntimeFixtures.completion($0, by: "w1") })
        try await store.connection.query(EventChunkMover.sql)
        try await store.connection.query("ANALYZE")
        return store
    }

    /// The plan of `sql` with `parameters`, under `settings` (`SET LOCAL` statements), rolled back.
    static func plan(
        _ store: Store, _ sql: String, _ parameters: [String?], settings: [String] = [], analyze: Bool = false
    ) async throws -> String {
        try await RuntimeFixtures.rolledBack(store) { connection in
            for setting in settings { try connection.execute(setting) }
            let explain = analyze ? "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)" : "EXPLAIN"
            return try connection.query("\(explain) \(sql)", parameters).compactMap { $0[0] }.joined(separator: "\n")
        }
    }

    @Test func aBlocksChunkedEventsAreFoundThroughTheGINIndex() async throws {
        let store = try await Self.chunkedLog()
        defer { Task { await store.close() } }
        let sql = "SELECT id FROM \(EventLogSQL.eventsOfBlocks("ARRAY[$1::text]")) AS e ORDER BY id"
        let indexed = try await Self.plan(store, sql, [RuntimeFixtures.id(7)])
        #expect(indexed.contains("block_event_chunks_block_keys"), "\(indexed)")
        #expect(!indexed.contains("Seq Scan on block_event_chunks"), "\(indexed)")
        // The check can fail: without the index, the same statement reads every chunk.
        let unindexed = try await Self.plan(
            store, sql, [RuntimeFixtures.id(7)], settings: ["DROP INDEX block_event_chunks_block_keys"])
        #expect(unindexed.contains("Seq Scan on block_event_chunks"), "\(unindexed)")
    }

    /// The stream's reader runs without sequential scans or sorts (`prepareEventLogReader`). From the start of
    /// the log, as a reader far behind would, it reads about its limit's worth of chunked events (the chunks hold
    /// five each here, so five or six chunks for 25 events), and finds the chunks that straddle its cursor and its
    /// gaps' bounds by their span.
    @Test func theStreamReadsChunksBoundedByItsLimit() async throws {
        let store = try await Self.chunkedLog()
        defer { Task { await store.close() } }
        let chunks = try await store.connection.query("SELECT count(*) AS n FROM block_event_chunks")[0]
            .required("n", Int.init)
        #expect(chunks > 500, "\(chunks)")
        let reader = ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"]
        let gaps = try await Self.plan(
            store, Store.streamEventsSQL(gaps: true), ["100", "{10,40}", "{20,60}", "25"], settings: reader,
            analyze: true)
        #expect(gaps.contains("block_event_chunks_span"), "\(gaps)")
        #expect(gaps.contains("block_event_chunks_pkey"), "\(gaps)")
        #expect(!gaps.contains("Seq Scan"), "\(gaps)")
        // Each scan of the chunks returns at most the limit's worth, from the log's start (a reader far behind) as
        // near its end: never the thousands of chunks above the cursor, nor those below it.
        let latestID = try await store.latestEventID()
        for after in [0, latestID - 400] {
            let plain = try await Self.plan(
                store, Store.streamEventsSQL(gaps: false), [String(after), "25"], settings: reader, analyze: true)
            let chunkScans = plain.split(separator: "\n").filter { $0.contains("on block_event_chunks") }
            #expect(!chunkScans.isEmpty, "\(plain)")
            for scan in chunkScans {
                let rows = scan.split(separator: "rows=").last.flatMap { Int($0.prefix { $0.isNumber }) }
                #expect((rows ?? .max) <= 10, "\(scan)")
            }
            let removed = plain.split(separator: "\n").compactMap { line in
                line.split(separator: "Rows Removed by Filter: ").dropFirst().first.flatMap { Int($0) }
            }
            #expect(removed.allSatisfy { $0 <= 25 }, "\(plain)")
        }
        let latest = try await Self.plan(store, EventLogSQL.latestID, [])
        #expect(latest.contains("block_event_chunks_span"), "\(latest)")
        #expect(try await store.latestEventID() > 0)
    }
}
