import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

/// The hot transitions (a scheduling step, a claim, a completion) write their events by `COPY` after their
/// statement (`TransitionEvents`), and a completion its results (`StoredResults`).
@Suite struct TransitionEventsTests {
    /// Every event names its block by id and key, its attempt, its instance as given (a name with a tab and a
    /// backslash, which `COPY`'s text format escapes), the scheduling event its block's labels, and each the moment
    /// its statement changed the block, not a later one. The results carry the completion's records and labels.
    ///
    /// The same as chunks (`Store.writesEventChunks`), read back through the log's readers: one chunk a statement,
    /// and a block without a key (older than migration 22) keeps its events as rows.
    @Test(arguments: [false, true])
    func theHotTransitionsLogWhatTheyChangedByCopy(chunked: Bool) async throws {
        var (store, _) = try await RuntimeFixtures.store(blocks: 4)
        store.writesEventChunks = chunked
        let unkeyed = RuntimeFixtures.id(3)
        try await store.connection.query("UPDATE blocks SET key = NULL WHERE id = $1", [unkeyed])
        try await store.connection.query("UPDATE block_events SET block_key = NULL WHERE block_id = $1", [unkeyed])
        let instance = "w\t1\\a"
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 4)]) == ["translate": 4])
        let claimed = try await store.claim(instanceID: instance, limit: 4, leaseDuration: .seconds(60))
        #expect(claimed.count == 4)
        let completions = claimed.map { RuntimeFixtures.completion($0, by: instance, text: "a\tb\\c") }
        #expect(try await store.complete(completions) == Set(claimed.map(\.id)))

        let events = try await store.connection.query(
            """
            SELECT e.block_id, e.block_key IS NOT DISTINCT FROM b.key AS keyed, e.from_state, e.to_state, e.reason,
                   e.attempt, e.instance_id, e.pipeline, e.target_language,
                   CASE e.to_state WHEN 'enqueued' THEN e.at >= b.enqueued_at
                                   WHEN 'in_process' THEN e.at >= b.started_at AND e.at < b.finished_at
                                   ELSE e.at >= b.finished_at END AS timely
            FROM \(EventLogSQL.everyEvent()) e JOIN blocks b ON b.id = e.block_id
            WHERE e.to_state <> 'created'
            ORDER BY e.block_id, e.id
            """)
        #expect(events.count == 12)
        for event in events {
            #expect(event["keyed"] == "t" && event["timely"] == "t", "\(event)")
            // A block is scheduled before its first attempt, which the claim starts.
            #expect(event["attempt"] == (event["to_state"] == "enqueued" ? "0" : "1"))
            switch event["to_state"] {
            case "enqueued":
                #expect(event["from_state"] == "created" && event["reason"] == "scheduled")
                #expect(event["pipeline"] == "translate" && event["instance_id"] == .some(nil))
            case "in_process":
                #expect(event["from_state"] == "enqueued" && event["reason"] == "claimed")
                #expect(event["instance_id"] == instance && event["pipeline"] == .some(nil))
            default:
                #expect(event["to_state"] == "completed" && event["from_state"] == "in_process")
                #expect(event["reason"] == "completed" && event["instance_id"] == instance)
            }
        }
        #expect(Set(events.compactMap { $0["block_id"] }) == Set(claimed.map(\.id)))
        // Where they went: three chunks of three events and the unkeyed block's rows, or rows alone.
        let forms = try await store.connection.query(
            """
            SELECT (SELECT count(*) FROM block_events WHERE to_state <> 'created') AS rows,
                   (SELECT coalesce(string_agg(cardinality(ids)::text, ',' ORDER BY first_id), '')
                    FROM block_event_chunks) AS chunks
            """)[0]
        #expect(forms["rows"] == (chunked ? "3" : "12") && forms["chunks"] == (chunked ? "3,3,3" : ""), "\(forms)")
        for block in claimed.map(\.id) {
            let trace = try await store.events(blockID: block)
            #expect(trace.map(\.toState) == [.created, .enqueued, .inProcess, .completed], "\(block)")
            #expect(trace.map(\.sequence) == trace.map(\.sequence).sorted())
        }
        let outcomes = claimed.map { (id: $0.id, attempt: $0.attempt, instanceID: instance) }
        #expect(try await store.loggedOutcomes(outcomes, of: .completion) == Set(claimed.map(\.id)))

        let results = try await store.connection.query(
            """
            SELECT r.records, r.instance_id, r.pipeline = b.pipeline AND r.target_language = b.target_language
                   AND r.spec_hash = b.spec_hash AS labelled
            FROM results r JOIN blocks b ON b.id = r.block_id ORDER BY r.block_id
            """)
        #expect(results.map { $0["records"] } == completions.sorted { $0.id < $1.id }.map(\.records))
        #expect(results.allSatisfy { $0["instance_id"] == instance && $0["labelled"] == "t" })
    }
}
