import Foundation
import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

@Suite struct WorkerStoreTests {
    @Test func claimIsExclusiveAcrossConcurrentClaimers() async throws {
        let (store, url) = try await RuntimeFixtures.enqueued(blocks: 300)
        let other = try await Store.open(url: url, environment: "dev")

        @Sendable func drain(_ store: Store, _ instance: String) async throws -> [String] {
            var ids: [String] = []
            while true {
                let claimed = try await store.claim(instanceID: instance, limit: 7, leaseDuration: .seconds(60))
                if claimed.isEmpty { return ids }
                ids += claimed.map(\.id)
            }
        }
        async let first = drain(store, "w1")
        async let second = drain(other, "w2")
        let (a, b) = try await (first, second)

        #expect(a.count + b.count == 300)
        #expect(Set(a).isDisjoint(with: Set(b)))
        #expect(Set(a + b).count == 300)
        let claims = try await store.connection.query(
            """
            SELECT count(*) AS n, count(DISTINCT block_id) AS blocks FROM \(EventLogSQL.everyEvent()) e
            WHERE from_state = 'enqueued' AND to_state = 'in_process'
            """)[0]
        #expect(try claims.int("n") == 300)
        #expect(try claims.int("blocks") == 300)
        let counts = try await store.counts()
        #expect(counts == ["translate": [.inProcess: 300]])
        await other.close()
    }

    @Test func claimReturnsRecordsAndLease() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2)
        let claimed = try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(30))
        #expect(claimed.map(\.id).sorted() == [RuntimeFixtures.id(0), RuntimeFixtures.id(1)])
        let block = try #require(claimed.first { $0.id == RuntimeFixtures.id(0) })
        #expect(block.attempt == 1)
        #expect(block.attemptBase == 0)
        #expect(block.blockHash == "h0")
        #expect(block.specHash == "spec-1")
        #expect(block.records == StoreFixtures.content("h0").records)
        #expect(block.leaseExpiresAt.hasSuffix("Z"))
        #expect(try await RuntimeFixtures.column(store, block.id, "lease_owner") == "w1")
        #expect(try await StoreFixtures.events(store, block.id).last == "enqueued>in_process:claimed@1")
        #expect(try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(30)).isEmpty)
    }

    @Test func staleWorkerCannotComplete() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 1)
        let first = try #require(try await store.claim(instanceID: "w1", limit: 1, leaseDuration: .seconds(60)).first)
        try await RuntimeFixtures.expireLeases(store)
        let recovered = try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: ["translate": 5])
        #expect(
            recovered == [
                RecoveredBlock(
                    id: first.id, pipeline: "translate", attempt: 1, to: "enqueued", instanceID: "w1",
                    reason: "lease expired")
            ])
        let second = try #require(try await store.claim(instanceID: "w2", limit: 1, leaseDuration: .seconds(60)).first)
        #expect(second.attempt == 2)

        // The first worker wakes up and tries to commit: refused, nothing written.
        #expect(try await store.complete([RuntimeFixtures.completion(first, by: "w1", text: "stale")]).isEmpty)
        #expect(
            try await store.fail([
                FailedAttempt(
                    id: first.id, attempt: 1, instanceID: "w1", errorClass: "data", message: "x", retryAfter: nil)
            ]).isEmpty)
        #expect(
            try await store.renewLeases(instanceID: "w1", held: [(first.id, 1)], leaseDuration: .seconds(60)).isEmpty)
        #expect(try await StoreFixtures.count(store, "results") == 0)
        #expect(try await StoreFixtures.state(store, first.id).state == "in_process")

        #expect(try await store.complete([RuntimeFixtures.completion(second, by: "w2", text: "fresh")]) == [second.id])
        // Even after the block completed, the stale attempt (and a replay of the fresh one) change nothing.
        #expect(try await store.complete([RuntimeFixtures.completion(first, by: "w1", text: "stale")]).isEmpty)
        #expect(try await store.complete([RuntimeFixtures.completion(second, by: "w2", text: "again")]).isEmpty)

        let results = try await store.connection.query("SELECT instance_id, attempt, records FROM results")
        #expect(results.count == 1)
        #expect(results[0]["instance_id"] == "w2")
        #expect(results[0]["attempt"] == "2")
        #expect(results[0]["records"]?.contains("fresh") == true)
        #expect(
            try await StoreFixtures.events(store, first.id) == [
                "nil>created:planned@0", "created>enqueued:scheduled@0",
                "enqueued>in_process:claimed@1", "in_process>enqueued:lease expired@1",
                "enqueued>in_process:claimed@2", "in_process>completed:completed@2",
            ])
        let state = try await StoreFixtures.state(store, first.id)
        #expect(state.state == "completed")
        #expect(try await RuntimeFixtures.column(store, first.id, "lease_owner") == nil)
    }

    /// What a worker whose commit broke off asks: which of its outcomes the log holds, by block, attempt, instance
    /// and kind (completed, failed or retried, handed to a provider batch). A release, another attempt or another
    /// instance is not its outcome.
    @Test func loggedOutcomesAreTheWorkersOwnCommittedOnes() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 5)
        let claimed = try await store.claim(instanceID: "w1", limit: 5, leaseDuration: .seconds(60))
            .sorted { $0.id < $1.id }
        #expect(claimed.count == 5)
        let (done, failed, retried, released, batched) = (claimed[0], claimed[1], claimed[2], claimed[3], claimed[4])
        #expect(try await store.complete([RuntimeFixtures.completion(done, by: "w1")]) == [done.id])
        _ = try await store.fail([
            FailedAttempt(
                id: failed.id, attempt: failed.attempt, instanceID: "w1", errorClass: "data", message: "bad",
                retryAfter: nil),
            FailedAttempt(
                id: retried.id, attempt: retried.attempt, instanceID: "w1", errorClass: "capacity", message: "429",
                retryAfter: .seconds(3600)),
        ])
        try await store.release(instanceID: "w1", held: [(released.id, released.attempt)], reason: "worker stopping")
        let request = NewBatchRequest(
            customID: "\(batched.id)~\(batched.attempt)~0", blockID: batched.id, attempt: batched.attempt,
            segmentIDs: ["s0"], line: "{}", estimatedTokens: 1)
        let handed = try await store.enterProviderBatches(
            [NewProviderBatch(submission: "s-1", engine: "llm", requests: [request])], owner: "w1",
            lease: .seconds(60), holdFor: .seconds(3600))
        #expect(handed == [batched.id])
        let all = claimed.map { (id: $0.id, attempt: $0.attempt, instanceID: "w1") }
        #expect(try await store.loggedOutcomes(all, of: .completion) == [done.id])
        #expect(try await store.loggedOutcomes(all, of: .failure) == [failed.id, retried.id])
        #expect(try await store.loggedOutcomes(all, of: .providerBatch) == [batched.id])
        let otherAttempt = claimed.map { (id: $0.id, attempt: $0.attempt + 1, instanceID: "w1") }
        #expect(try await store.loggedOutcomes(otherAttempt, of: .completion).isEmpty)
        let otherInstance = claimed.map { (id: $0.id, attempt: $0.attempt, instanceID: "w2") }
        #expect(try await store.loggedOutcomes(otherInstance, of: .failure).isEmpty)
        #expect(try await store.loggedOutcomes([], of: .completion).isEmpty)
    }

    /// A batch of completions where the fence refuses one: every attempt is paid for (tokens, cost, attempts, and
    /// the segments the engine translated), but only completed blocks count segments reused.
    @Test func aBatchPaysForEveryAttemptAndCountsReuseOfCompletedOnes() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3)
        let claimed = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
            .sorted { $0.id < $1.id }
        #expect(claimed.count == 3)
        var batch = claimed.enumerated().map { index, block in
            var completion = RuntimeFixtures.completion(block, by: "w1", text: "t\(index)")
            completion.inputTokens = 100 * (index + 1)
            completion.outputTokens = 10 * (index + 1)
            completion.costMicros = Int64(1000 * (index + 1))
            completion.currency = "USD"
            completion.segmentsTranslated = index + 1
            completion.segmentsReused = 5
            return completion
        }
        batch[1].attempt = 7  // a lost lease: refused by the fence
        let done = try await store.complete(batch)
        #expect(done == [claimed[0].id, claimed[2].id])
        let spend = try #require(try await store.spendByPipeline()["translate"])
        #expect(spend.inputTokens == 600)
        #expect(spend.outputTokens == 60)
        #expect(spend.costMicros == 6000)
        #expect(spend.currency == "USD")
        #expect(spend.attempts == 3)
        #expect(spend.failedAttempts == 0)
        #expect(spend.segmentsTranslated == 6)
        #expect(spend.segmentsReused == 10)
        #expect(try await StoreFixtures.count(store, "results") == 2)
    }

    /// A worker sends the revision it claimed each block under: the completion counts each attempt's spend under it,
    /// fenced or not, without looking the block up a second time; a completion that does not say reads the block.
    @Test func aCompletionCountsSpendUnderTheClaimedRevisionWithoutReadingTheBlockAgain() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 8)
        let claimed = try await store.claim(instanceID: "w1", limit: 8, leaseDuration: .seconds(60))
            .sorted { $0.id < $1.id }
        #expect(claimed.count == 8)
        #expect(claimed.allSatisfy { $0.revision == 1 })
        let told = claimed.map { RuntimeFixtures.completion($0, by: "w1") }
        let untold = told.map {
            var completion = $0
            completion.revision = nil
            return completion
        }
        // The plan's reads of `blocks` (by key or by scan, as the planner likes for a table this small) that ran.
        func blockReads(_ completions: [CompletedBlock]) async throws -> [String] {
            let plan = try await Self.analyzed(store, Store.completeSQL, Store.completeParameters(completions))
            return plan.nodes.filter {
                $0["Relation Name"] as? String == "blocks" && ($0["Node Type"] as? String ?? "").hasSuffix("Scan")
                    && ($0["Actual Loops"] as? Int ?? 0) > 0
            }.map { $0["Node Type"] as? String ?? "" }
        }
        // Told, only the fenced update reads the blocks; not told, the spend reads them too.
        let readsTold = try await blockReads(told)
        let readsUntold = try await blockReads(untold)
        #expect(readsTold.count == 1, "\(readsTold)")
        #expect(readsUntold.count == 2, "\(readsUntold)")

        // Refused attempts are paid for under what their worker said (revision 9 here), or under the block's.
        var batch = Array(told.prefix(4)) + Array(untold.suffix(4))
        batch[1].attempt = 7
        batch[1].revision = 9
        batch[5].attempt = 7
        let done = try await store.complete(batch)
        #expect(done.count == 6)
        let byRevision = try await store.spendByRevision()
        #expect(byRevision[1]?.attempts == 7)
        #expect(byRevision[1]?.inputTokens == 70)
        #expect(byRevision[9]?.attempts == 1)
        #expect(byRevision[9]?.inputTokens == 10)
        #expect(byRevision.count == 2)
    }

    /// A commit finds its blocks by primary key, never through the partial indexes on leased blocks: the planner
    /// expects few leased rows and would read those indexes whole, dead entries included, on every commit.
    @Test func aCommitLooksBlocksUpByPrimaryKeyOnly() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2_000)
        // Statistics from before the claims, as a busy worker's commits meet them: no autovacuum may analyse the
        // table after the claims (on a slow machine it did, and the plain form's plan changed).
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE blocks")
        let claimed = try await store.claim(instanceID: "w1", limit: 2_000, leaseDuration: .seconds(60))
        let batch = claimed.prefix(256).map { RuntimeFixtures.completion($0, by: "w1") }.sorted { $0.id < $1.id }
        let plan = try await store.connection.query(
            "EXPLAIN " + Store.completeSQL, binding: Store.completeParameters(Array(batch))
        ).compactMap { $0[0] }.joined(separator: "\n")
        #expect(!plan.contains("blocks_lease_owner") && !plan.contains("blocks_leased"), "\(plan)")
        // The check can fail: written plainly, the same fence does take a leased index here.
        let plain = Store.completeSQL.replacingOccurrences(of: "(b.lease_owner || '')", with: "b.lease_owner")
            .replacingOccurrences(of: "(b.state || '')", with: "b.state")
        let plainPlan = try await store.connection.query(
            "EXPLAIN " + plain, binding: Store.completeParameters(Array(batch))
        )
        .compactMap { $0[0] }.joined(separator: "\n")
        #expect(plainPlan.contains("blocks_lease"), "the same fence written plainly takes a leased index")
    }

    /// A completion plans its statement once per session (`Store.completionPlan`), and the plan it keeps joins the
    /// batch to `blocks` by primary key even when it was made from the statistics of a table of four blocks, where
    /// a join over a scan of `blocks` looks cheaper and, kept, would read the whole table at every later commit.
    @Test func aCompletionKeepsOnePlanThatProbesThePrimaryKey() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 4)
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE blocks")
        let claimed = try await store.claim(instanceID: "w1", limit: 4, leaseDuration: .seconds(60))
        #expect(claimed.count == 4)
        for block in claimed {
            #expect(try await store.complete([RuntimeFixtures.completion(block, by: "w1")]) == [block.id])
        }
        let held = try await store.connection.query(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
            [Store.completeSQL])
        #expect(held.count == 1)
        #expect(try held.first?.int("generic_plans") == 4, "four commits, one plan")
        #expect(try held.first?.int("custom_plans") == 0)

        // The plan the session keeps, and the one a fresh copy of the statement gets without the join settings.
        let arguments = try Store.completeParameters(claimed.map { RuntimeFixtures.completion($0, by: "w1") })
            .map(Self.literal).joined(separator: ", ")
        let name = try #require(held.first?["name"] ?? nil)
        let kept = try await store.connection.transaction(settings: Store.completionPlan) { connection in
            try connection.query("EXPLAIN EXECUTE \(name)(\(arguments))").compactMap { $0[0] }.joined(separator: "\n")
        }
        #expect(kept.contains("blocks_pkey on blocks b"), "\(kept)")
        #expect(!kept.contains("Seq Scan on blocks"), "\(kept)")
        let plain = try await store.connection.transaction(
            settings: [PostgresSetting("plan_cache_mode", "force_generic_plan")]
        ) { connection in
            try connection.query("PREPARE plain_completion AS " + Store.completeSQL)
            return try connection.query("EXPLAIN EXECUTE plain_completion(\(arguments))").compactMap { $0[0] }
                .joined(separator: "\n")
        }
        #expect(plain.contains("Seq Scan on blocks b"), "without the join settings the small table is scanned")
    }

    /// A parameter as an SQL literal, for `EXECUTE`.
    private static func literal(_ parameter: PostgresParameter) throws -> String {
        switch parameter {
        case .text(let text): return try text.map(PostgresQuoting.literal) ?? "NULL"
        case .textArray(let elements): return try PostgresQuoting.literal(SQLText.arrayLiteral(elements))
        case .intArray(let elements): return try PostgresQuoting.literal(RuntimeSQL.intArray(elements))
        case .bigintArray(let elements):
            return try PostgresQuoting.literal(SQLText.arrayLiteral(elements.map { $0.map(String.init) }))
        }
    }

    /// A translation-memory lookup probes the memory's primary key with one plan per session, even one made while
    /// the memory was empty (`Store.memoryLookupPlan`).
    @Test func aMemoryLookupKeepsOnePlanThatProbesTheKey() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 1)
        try await store.connection.query("ALTER TABLE translation_memory SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE translation_memory")
        #expect(try await store.lookupMemory(keys: ["k1"]).isEmpty)
        // The same statement without the scan setting, planned once too, while the memory is empty.
        try await store.connection.query("PREPARE plain_lookup AS " + Store.memoryLookupSQL)
        try await store.connection.transaction(settings: [PostgresSetting("plan_cache_mode", "force_generic_plan")]) {
            try $0.query("EXECUTE plain_lookup('{k1}')")
        }
        let learned = (0..<2_000).map { (key: "k\($0)", translation: "t\($0)") }
        _ = try await store.complete([], memory: learned)
        let found = try await store.lookupMemory(keys: ["k1", "k1999", "missing"])
        #expect(found == ["k1": "t1", "k1999": "t1999"])
        let held = try await store.connection.query(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
            [Store.memoryLookupSQL])
        #expect(try held.first?.int("generic_plans") == 2)
        #expect(try held.first?.int("custom_plans") == 0)
        let name = try #require(held.first?["name"] ?? nil)
        let kept = try await store.connection.transaction(settings: Store.memoryLookupPlan) { connection in
            try connection.query("EXPLAIN EXECUTE \(name)('{k1,k2}')").compactMap { $0[0] }.joined(separator: "\n")
        }
        #expect(kept.contains("translation_memory_pkey"), "\(kept)")
        #expect(kept.contains("results_memory"), "\(kept)")
        let plain = try await store.connection.transaction(
            settings: [PostgresSetting("plan_cache_mode", "force_generic_plan")]
        ) { connection in
            try connection.query("EXPLAIN EXECUTE plain_lookup('{k1,k2}')").compactMap { $0[0] }.joined(separator: "\n")
        }
        #expect(plain.contains("Seq Scan on translation_memory"), "made for an empty table, the plan scans it")
    }

    /// A completion that names its block's memory key stores it on the result instead of a `translation_memory`
    /// row, and a lookup reads the translation back from the result's one record (migration 26). A row of
    /// `translation_memory` for the same key answers first; a result whose record is gone answers nothing.
    @Test func aResultOfOneUnitStandsAsItsMemoryEntry() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3)
        let claimed = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        var whole = RuntimeFixtures.completion(claimed[0], by: "w1")
        whole.records =
            "{\"id\":\"d-1\",\"source\":\"Hello \\\"world\\\"\",\"translation\":\"Bonjour \\\"monde\\\"\\n\"}\n"
        whole.memoryKey = "k-whole"
        var other = RuntimeFixtures.completion(claimed[1], by: "w1")
        other.memoryKey = "k-other"
        let plain = RuntimeFixtures.completion(claimed[2], by: "w1")
        let done = try await store.complete([whole, other, plain], memory: [(key: "k-plain", translation: "trois")])
        #expect(done.count == 3)

        let keys = try await store.connection.query("SELECT block_id, memory_key FROM results ORDER BY block_id")
        #expect(keys.map { $0["memory_key"] } == ["k-whole", "k-other", nil])
        let rows = try await store.connection.query("SELECT key FROM translation_memory")
        #expect(rows.map { $0["key"] } == ["k-plain"], "no row for the keys the results hold")
        #expect(
            try await store.lookupMemory(keys: ["k-whole", "k-other", "k-plain", "k-none"]) == [
                "k-whole": "Bonjour \"monde\"\n", "k-other": "done", "k-plain": "trois",
            ])

        // A row of the memory answers before a result; a result that lost its record answers nothing.
        _ = try await store.complete([], memory: [(key: "k-other", translation: "autre")])
        try await store.connection.query("UPDATE results SET records = '' WHERE memory_key = 'k-whole'")
        #expect(try await store.lookupMemory(keys: ["k-whole", "k-other"]) == ["k-other": "autre"])
        #expect(Store.memoryTranslation(inRecords: "{\"translation\":\"a\"}\n{\"translation\":\"b\"}\n") == nil)
        #expect(Store.memoryTranslation(inRecords: "{\"id\":\"x\"}\n") == nil)
        #expect(Store.memoryTranslation(inRecords: "{\"translation\": \"é\", \"n\": 1}") == "é", "a general parser")
    }

    /// A pruned result that stood as a memory entry hands the entry to `translation_memory`: the memory outlives
    /// the results it learned from, a superseded version's and a cancelled block's alike.
    @Test func aPrunedResultHandsItsMemoryEntryOn() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2)
        let claimed = try await store.claim(instanceID: "w1", limit: 2, leaseDuration: .seconds(60))
        let completions = claimed.enumerated().map { index, block in
            var completion = RuntimeFixtures.completion(block, by: "w1", text: "v1-\(index)")
            completion.memoryKey = "k1-\(index)"
            return completion
        }
        #expect(try await store.complete(completions).count == 2)
        // Block 0 completes again under a new spec; block 1 leaves the plan.
        let (first, second) = (RuntimeFixtures.id(0), RuntimeFixtures.id(1))
        try await store.apply(
            StoreFixtures.batch(
                serial: 1, reprocess: [BlockReprocess(id: first, specHash: "spec-2", reason: "spec changed")],
                cancel: [second]))
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 10)]) == ["translate": 1])
        let again = try #require(try await store.claim(instanceID: "w2", limit: 1, leaseDuration: .seconds(60)).first)
        var completion = RuntimeFixtures.completion(again, by: "w2", text: "v2")
        completion.memoryKey = "k2-0"
        #expect(try await store.complete([completion]) == [first])
        #expect(try await StoreFixtures.count(store, "translation_memory") == 0)

        #expect(try await store.pruneResults(keep: 1) == 1, "the superseded version of block 0")
        #expect(try await store.pruneCancelledResults(after: nil, limit: 100).deleted == 1, "block 1's")
        let entries = try await store.connection.query("SELECT key, translation FROM translation_memory ORDER BY key")
        #expect(entries.map { "\($0["key"] ?? "")=\($0["translation"] ?? "")" } == ["k1-0=v1-0", "k1-1=v1-1"])
        #expect(
            try await store.lookupMemory(keys: ["k1-0", "k1-1", "k2-0"]) == [
                "k1-0": "v1-0", "k1-1": "v1-1", "k2-0": "v2",
            ])
    }

    /// A claim's update goes to the row versions its pick locked, by `ctid`, even with statistics from before the
    /// blocks were enqueued (a fresh apply, autovacuum not round yet): written plainly, its state fence took
    /// `blocks_claimable` and read every enqueued entry for each claim; by primary key, each block cost a probe.
    @Test func aClaimUpdatesThePickedBlocksByTheirLockedRowVersions() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 2_000)
        // No autovacuum may analyse the table after the scheduling below.
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE blocks")
        try await store.schedule([PipelineQuota(pipeline: "translate", limit: 2_000)])
        try await store.connection.query("SET enable_bitmapscan = off")
        let parameters = ["w1", "32", RuntimeSQL.microseconds(.seconds(60))]
        let explain = { (sql: String) in
            try await store.connection.query("EXPLAIN " + sql, parameters).compactMap { $0[0] }.joined(separator: "\n")
        }
        let plan = try await explain(Store.claimSQL)
        #expect(plan.contains("Tid Scan on blocks b"), "\(plan)")
        #expect(!plan.contains("blocks_pkey on blocks b"), "\(plan)")
        #expect(!plan.contains("blocks_claimable on blocks b"), "\(plan)")
        // The checks can fail: joined by id, the same update probes the primary key for each block; with its
        // fence written plainly as well, it takes the claimable index.
        let byID = Store.claimSQL.replacingOccurrences(of: "SELECT ctid FROM blocks", with: "SELECT id FROM blocks")
            .replacingOccurrences(
                of: "WHERE b.ctid = ANY (ARRAY(SELECT ctid FROM picked))", with: "FROM picked p WHERE b.id = p.id")
        #expect(byID != Store.claimSQL)
        #expect(try await explain(byID).contains("blocks_pkey on blocks b"), "the join by id probes the key")
        let plain = byID.replacingOccurrences(of: "(b.state || '')", with: "b.state")
        #expect(try await explain(plain).contains("blocks_claimable on blocks b"), "the plain fence takes the index")
        let claimed = try await store.claim(instanceID: "w1", limit: 32, leaseDuration: .seconds(60))
        #expect(claimed.count == 32)
        #expect(Set(claimed.map(\.id)).count == 32)
        let inProcess = try await store.connection.query(
            "SELECT count(*) AS n FROM blocks WHERE state = 'in_process' AND lease_owner = 'w1' AND attempt = 1")
        #expect(try inProcess[0].int("n") == 32)
    }

    /// A claim bounded by engine lanes (`ClaimLanes`): a full lane's pipeline is not taken, a lane with room takes
    /// no more than its room, the first in the queue's order, and a pipeline in no lane is not bounded. What a lane
    /// left was never changed: the next claim takes it at its first attempt.
    @Test func aClaimTakesNoMoreThanEachLanesRoom() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 4, pipelines: ["slow", "fast", "pseudo"])
        let order = try await store.connection.query(
            "SELECT id FROM blocks WHERE pipeline = 'fast' ORDER BY priority DESC, run_at, id"
        ).map { try $0.required("id") as String }
        let lanes = ClaimLanes([.init(pipelines: ["slow"], room: 0), .init(pipelines: ["fast"], room: 2)])
        #expect(!lanes.leavesNothingOf(["slow", "fast", "pseudo"]) && lanes.leavesNothingOf(["slow"]))
        let claimed = try await store.claim(instanceID: "w1", limit: 12, leaseDuration: .seconds(600), lanes: lanes)
        #expect(Dictionary(grouping: claimed, by: \.pipeline).mapValues(\.count) == ["fast": 2, "pseudo": 4])
        #expect(claimed.filter { $0.pipeline == "fast" }.map(\.id).sorted() == Array(order.prefix(2)).sorted())
        #expect(
            try await store.counts() == [
                "slow": [.enqueued: 4], "fast": [.enqueued: 2, .inProcess: 2], "pseudo": [.inProcess: 4],
            ])
        let rest = try await store.claim(instanceID: "w1", limit: 12, leaseDuration: .seconds(600))
        #expect(rest.count == 6 && rest.allSatisfy { $0.attempt == 1 }, "\(rest.map { ($0.id, $0.attempt) })")
        let events = try await store.connection.query(
            "SELECT count(*) AS n FROM \(EventLogSQL.everyEvent()) e WHERE reason = 'claimed'")
        #expect(try events[0].int("n") == 12, "one event per claim, none for what a lane left")
    }

    /// A laned claim reads at most `lanedClaimWindow` entries of the queue (or four times its limit): a full lane's
    /// backlog ahead of the other pipelines' blocks is read past up to there, not walked whole by every claim. The
    /// worker then waits for its lane's room, and the lane's blocks come first, as their priority says.
    @Test func aLanedClaimReadsNoFurtherThanItsWindow() async throws {
        let count = Store.lanedClaimWindow + 100
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: count, pipelines: ["slow", "fast"])
        try await store.connection.query("UPDATE blocks SET priority = 90 WHERE pipeline = 'slow'")
        let full = ClaimLanes([.init(pipelines: ["slow"], room: 0)])
        #expect(try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(600), lanes: full).isEmpty)
        // With room, the lane's first block; and a limit whose four times pass the window reads that far.
        let one = ClaimLanes([.init(pipelines: ["slow"], room: 1)])
        let claimed = try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(600), lanes: one)
        #expect(claimed.map(\.pipeline) == ["slow"])
        let limit = count / 4 + 30
        let wide = try await store.claim(instanceID: "w1", limit: limit, leaseDuration: .seconds(600), lanes: full)
        // It read `4 * limit` entries: every enqueued `slow` block, then the first `fast` ones.
        #expect(Set(wide.map(\.pipeline)) == ["fast"] && wide.count == 4 * limit - (count - 1), "\(wide.count)")
        #expect(try await store.counts()["slow"] == [.enqueued: count - 1, .inProcess: 1])
    }

    /// A completion runs no trigger: a foreign key from `results` would check and lock each result's block row
    /// by row (6 to 8 µs a block), although the completion writes results only for the blocks it just updated. Its
    /// statement fires none, and the table its results are copied into has none.
    @Test func aCompletionChecksNoForeignKeyRowByRow() async throws {
        let (store, claimed, parameters) = try await Self.eightClaimed()
        // Nothing is completed: the plan is read in a transaction that is rolled back.
        let plan = try await Self.analyzed(store, Store.completeSQL, parameters)
        #expect((plan.top["Triggers"] as? [[String: Any]] ?? []).isEmpty)
        func resultTriggers() async throws -> Int {
            try await store.connection.query(
                "SELECT count(*) AS n FROM pg_trigger WHERE tgrelid = 'results'::regclass")[0].int("n") ?? -1
        }
        #expect(try await resultTriggers() == 0)
        // The check can fail: a foreign key adds its checks to the table.
        try await store.connection.query(
            "ALTER TABLE results ADD CONSTRAINT results_block FOREIGN KEY (block_id) REFERENCES blocks (id)")
        #expect(try await resultTriggers() > 0)
        try await store.connection.query("ALTER TABLE results DROP CONSTRAINT results_block")
        #expect(try await resultTriggers() == 0)
        let done = try await store.complete(claimed.map { RuntimeFixtures.completion($0, by: "w1") })
        #expect(done.count == 8)
        let stored = try await store.connection.query(
            "SELECT count(*) AS n FROM results r JOIN blocks b ON b.id = r.block_id WHERE b.state = 'completed'")
        #expect(try stored[0].int("n") == 8)
    }

    /// A completion keeps a block's current result while a rollout runs its spec; which rollouts are active is
    /// read once per statement, not once per block.
    @Test func aCompletionReadsTheActiveRolloutsOncePerStatement() async throws {
        let (store, claimed, parameters) = try await Self.eightClaimed()
        // The same statement with the rollouts looked up per block, as it was written before.
        let perBlock = Store.completeSQL
            .replacingOccurrences(of: "(b.pipeline, b.spec_hash) IN (", with: "EXISTS (")
            .replacingOccurrences(
                of: "SELECT o.pipeline, o.canary_spec_hash FROM rollouts o", with: "SELECT 1 FROM rollouts o"
            )
            .replacingOccurrences(
                of: "WHERE o.phase IN",
                with: "WHERE o.pipeline = b.pipeline AND o.canary_spec_hash = b.spec_hash AND o.phase IN")
        #expect(perBlock != Store.completeSQL)
        func rolloutReads(_ sql: String) async throws -> [Int] {
            try await Self.analyzed(store, sql, parameters).nodes
                .filter { $0["Relation Name"] as? String == "rollouts" }.map { $0["Actual Loops"] as? Int ?? -1 }
        }
        #expect(try await rolloutReads(Store.completeSQL) == [1])
        // The check can fail: the correlated form reads the rollouts once per completed block.
        #expect(try await rolloutReads(perBlock) == [8])
        let done = try await store.complete(claimed.map { RuntimeFixtures.completion($0, by: "w1") })
        #expect(done.count == 8)
        let current = try await store.connection.query(
            "SELECT count(*) AS n FROM blocks WHERE state = 'completed' AND result_spec = spec_hash")
        #expect(try current[0].int("n") == 8)
    }

    /// Eight blocks claimed by `w1`, and the parameters of their completion.
    private static func eightClaimed() async throws -> (Store, [ClaimedBlock], [PostgresParameter]) {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 8)
        let claimed = try await store.claim(instanceID: "w1", limit: 8, leaseDuration: .seconds(60))
        #expect(claimed.count == 8)
        let parameters = Store.completeParameters(
            claimed.map { RuntimeFixtures.completion($0, by: "w1") }.sorted { $0.id < $1.id })
        return (store, claimed, parameters)
    }

    /// `EXPLAIN (ANALYZE, FORMAT JSON)` of `sql`, after `first` if given, in a transaction that is then rolled
    /// back: the statement runs, and nothing it or `first` did is kept.
    private static func analyzed(
        _ store: Store, _ sql: String, _ parameters: [PostgresParameter], first: String? = nil
    ) async throws -> AnalyzedPlan {
        let plan = try await RuntimeFixtures.rolledBack(store) { connection in
            if let first { try connection.execute(first) }
            return try connection.query("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, binding: parameters)[0][0] ?? "[]"
        }
        let json = try JSONSerialization.jsonObject(with: Data(plan.utf8))
        return AnalyzedPlan(top: (json as? [[String: Any]])?.first ?? [:])
    }

    /// An analysed plan: its top object (with `Triggers`), and every node of its tree.
    private struct AnalyzedPlan {
        var top: [String: Any]

        var nodes: [[String: Any]] {
            var nodes: [[String: Any]] = []
            func walk(_ node: [String: Any]) {
                nodes.append(node)
                for child in node["Plans"] as? [[String: Any]] ?? [] { walk(child) }
            }
            if let plan = top["Plan"] as? [String: Any] { walk(plan) }
            return nodes
        }
    }

    @Test func renewLeasesDropsLostBlocks() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3)
        let claimed = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        #expect(claimed.count == 3)
        let held = claimed.map { (id: $0.id, attempt: $0.attempt) }
        #expect(
            try await store.renewLeases(instanceID: "w1", held: held, leaseDuration: .seconds(60))
                == Set(held.map(\.id)))

        // One cancelled by an operator, one requeued by the watchdog, one still held.
        #expect(try await store.cancelBlocks(ids: [RuntimeFixtures.id(0)], reason: "not needed") == 1)
        try await RuntimeFixtures.expireLeases(store, [RuntimeFixtures.id(1)])
        #expect(
            try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: [:]).map(\.id) == [
                RuntimeFixtures.id(1)
            ])
        // Another worker asking for the same blocks holds none of them.
        #expect(try await store.renewLeases(instanceID: "w2", held: held, leaseDuration: .seconds(60)).isEmpty)
        #expect(
            try await store.renewLeases(instanceID: "w1", held: held, leaseDuration: .seconds(60)) == [
                RuntimeFixtures.id(2)
            ])
    }

    /// A heartbeat's renewal of the leases a worker holds writes no index entry: it changes no indexed column, so
    /// each renewed row is a HOT update (a block waiting on a slow engine is renewed at every heartbeat).
    @Test func aLeaseRenewalIsAHotUpdate() async throws {
        let (store, claimed, _) = try await Self.eightClaimed()
        let parameters = Store.renewParameters(
            instanceID: "w1", held: claimed.map { (id: $0.id, attempt: $0.attempt) }, leaseDuration: .seconds(60))
        // Updated and HOT-updated rows of `blocks` in a renewal, counted in its own transaction (rolled back).
        func renewal(first: String? = nil) async throws -> [Int] {
            try await RuntimeFixtures.rolledBack(store) { connection in
                if let first { try connection.execute(first) }
                // The connection's counts not yet sent to the statistics (this transaction's included).
                let counts = """
                    SELECT pg_stat_get_xact_tuples_updated('blocks'::regclass) AS updated,
                           pg_stat_get_xact_tuples_hot_updated('blocks'::regclass) AS hot
                    """
                let before = try connection.query(counts)[0]
                let renewed = try connection.query(Store.renewSQL, parameters)
                let after = try connection.query(counts)[0]
                return [
                    renewed.count, (try after.int("updated") ?? 0) - (try before.int("updated") ?? 0),
                    (try after.int("hot") ?? 0) - (try before.int("hot") ?? 0),
                ]
            }
        }
        let renewed = try await renewal()
        #expect(renewed == [8, 8, 8], "renewed, updated, HOT: \(renewed)")
        // The check can fail: with the lease's expiry indexed again, no renewal is HOT.
        let indexed = try await renewal(first: "CREATE INDEX ON blocks (lease_expires_at) WHERE state = 'in_process'")
        #expect(indexed == [8, 8, 0], "renewed, updated, HOT: \(indexed)")
        #expect(
            try await store.renewLeases(
                instanceID: "w1", held: claimed.map { ($0.id, $0.attempt) }, leaseDuration: .seconds(60)
            ).count == 8)
    }

    @Test func failWithDelaySchedulesARetry() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 1)
        let block = try #require(try await store.claim(instanceID: "w1", limit: 1, leaseDuration: .seconds(60)).first)
        let failed = try await store.fail([
            FailedAttempt(
                id: block.id, attempt: block.attempt, instanceID: "w1", errorClass: "capacity",
                message: "429 slow down",
                retryAfter: .seconds(3600))
        ])
        #expect(failed == [block.id])
        let row = try await store.connection.query(
            """
            SELECT state, lease_owner, error_class, last_error, jsonb_array_length(errors) AS errors,
                   run_at > now() + interval '59 minutes' AS later
            FROM blocks WHERE id = $1
            """, [block.id])[0]
        #expect(row["state"] == "enqueued")
        #expect(row["lease_owner"] == nil)
        #expect(row["error_class"] == "capacity")
        #expect(row["last_error"] == "429 slow down")
        #expect(row["errors"] == "1")
        #expect(try row.bool("later") == true)
        // Not due yet: nobody gets it.
        #expect(try await store.claim(instanceID: "w2", limit: 1, leaseDuration: .seconds(60)).isEmpty)
        let event = try await store.events(blockID: block.id).last
        #expect(event?.toState == .enqueued)
        #expect(event?.errorClass == "capacity")
        #expect(event?.error == "429 slow down")
        #expect(event?.instanceID == "w1")
    }

    @Test func failWithoutDelayDeadLettersAndKeepsHistory() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 1)
        let first = try #require(try await store.claim(instanceID: "w1", limit: 1, leaseDuration: .seconds(60)).first)
        #expect(
            try await store.fail([
                FailedAttempt(
                    id: first.id, attempt: 1, instanceID: "w1", errorClass: "dependency", message: "timeout",
                    retryAfter: .zero)
            ]) == [first.id])
        let second = try #require(try await store.claim(instanceID: "w2", limit: 1, leaseDuration: .seconds(60)).first)
        #expect(second.attempt == 2)
        #expect(
            try await store.fail([
                FailedAttempt(
                    id: second.id, attempt: 2, instanceID: "w2", errorClass: "data", message: "bad record",
                    retryAfter: nil)
            ]) == [second.id])

        let row = try await store.connection.query(
            """
            SELECT state, error_class, last_error, finished_at IS NOT NULL AS finished,
                   (SELECT string_agg(e->>'attempt' || ':' || (e->>'class') || ':' || (e->>'message'), ',')
                    FROM jsonb_array_elements(errors) e) AS history,
                   errors->0 ? 'at' AS stamped
            FROM blocks WHERE id = $1
            """, [first.id])[0]
        #expect(row["state"] == "failed")
        #expect(row["error_class"] == "data")
        #expect(row["last_error"] == "bad record")
        #expect(try row.bool("finished") == true)
        #expect(row["history"] == "1:dependency:timeout,2:data:bad record")
        #expect(try row.bool("stamped") == true)
        let listed = try await store.listBlocks(state: .failed, pipeline: "translate", errorClass: .data, limit: 10)
        #expect(listed.map(\.id) == [first.id])
        #expect(listed.first?.lastError == "bad record")
        #expect(listed.first?.attempt == 2)
        #expect(try await store.listBlocks(state: .failed, errorClass: .capacity).isEmpty)
        #expect(
            try await StoreFixtures.events(store, first.id).suffix(2) == [
                "enqueued>in_process:claimed@2", "in_process>failed:failed for good@2",
            ])
    }

    @Test func releaseGivesBlocksBackWithoutSpendingAttempts() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2)
        let claimed = try await store.claim(instanceID: "w1", limit: 2, leaseDuration: .seconds(60))
        let released = try await store.release(
            instanceID: "w1", held: claimed.map { (id: $0.id, attempt: $0.attempt) }, reason: "shutting down")
        #expect(released == Set(claimed.map(\.id)))
        #expect(try await store.release(instanceID: "w1", held: [(claimed[0].id, 1)], reason: "again").isEmpty)
        let again = try await store.claim(instanceID: "w2", limit: 2, leaseDuration: .seconds(60))
        #expect(again.map(\.attempt) == [2, 2])
        #expect(again.map { $0.attempt - $0.attemptBase } == [1, 1])
        #expect(try await StoreFixtures.events(store, claimed[0].id).contains("in_process>enqueued:shutting down@1"))
    }

    @Test func translationMemoryRoundTrip() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 1)
        let block = try #require(try await store.claim(instanceID: "w1", limit: 1, leaseDuration: .seconds(60)).first)
        let done = try await store.complete(
            [RuntimeFixtures.completion(block, by: "w1")],
            memory: [
                (key: "k1", translation: "bonjour"), (key: "k2", translation: "l'\"été\"\n{,}"),
                (key: "k1", translation: "dup"),
            ])
        #expect(done == [block.id])
        // Memory alone (a worker whose blocks all failed may still have learned something); first writer wins.
        #expect(
            try await store.complete([], memory: [(key: "k1", translation: "salut"), (key: "k3", translation: "x")])
                .isEmpty)
        let found = try await store.lookupMemory(keys: ["k1", "k2", "k3", "missing"])
        #expect(found == ["k1": "bonjour", "k2": "l'\"été\"\n{,}", "k3": "x"])
        #expect(try await store.lookupMemory(keys: []).isEmpty)
    }

    /// The completion's statement fences the blocks and writes the memory entries learned together (the memory
    /// had a statement of its own, one more round trip per commit); the results it answers for follow by `COPY`.
    @Test func aCompletionWritesItsMemoryEntriesInTheSameStatement() async throws {
        let (store, claimed, _) = try await Self.eightClaimed()
        let completions = claimed.map { RuntimeFixtures.completion($0, by: "w1") }.sorted { $0.id < $1.id }
        let memory = [(key: "a-key", translation: "un \"texte\"\n"), (key: "b-key", translation: "deux")]
        let written = try await RuntimeFixtures.rolledBack(store) { connection in
            let rows = try connection.query(
                Store.completeSQL, binding: Store.completeParameters(completions, memory: memory))
            let before = try connection.query("SELECT count(*) AS n FROM results")[0].int("n") ?? -1
            var results = StoredResults()
            for row in rows {
                try results.append(try #require(completions.first { $0.id == row["id"] }), completedAs: row)
            }
            try results.write(on: connection)
            let after = try connection.query("SELECT count(*) AS n FROM results")[0]
            let learned = try connection.query("SELECT key, translation FROM translation_memory ORDER BY key")
            return [
                String(rows.count), String(before), String(try after.int("n") ?? 0),
            ] + learned.map { "\($0["key"] ?? "")=\($0["translation"] ?? "")" }
        }
        #expect(written == ["8", "0", "8", "a-key=un \"texte\"\n", "b-key=deux"])
        // Memory alone, no block: the statement still learns it.
        #expect(try await store.complete([], memory: [(key: "c-key", translation: "trois")]).isEmpty)
        #expect(try await store.lookupMemory(keys: ["a-key", "c-key"]) == ["c-key": "trois"])
    }

    /// `blocks` blocks completed by `w1` with the text `v1`, then the second reprocessed under `spec`, scheduled and
    /// claimed again by `w2`.
    static func completedThenClaimedAgain(blocks: Int, spec: String) async throws -> (Store, ClaimedBlock) {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: blocks)
        let claimed = try await store.claim(instanceID: "w1", limit: blocks, leaseDuration: .seconds(60))
        #expect(
            try await store.complete(claimed.map { RuntimeFixtures.completion($0, by: "w1", text: "v1") }).count
                == blocks)
        try await store.apply(
            StoreFixtures.batch(
                serial: 1, reprocess: [BlockReprocess(id: RuntimeFixtures.id(1), specHash: spec, reason: "reprocess")]))
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 10)]) == ["translate": 1])
        let again = try #require(
            try await store.claim(instanceID: "w2", limit: blocks, leaseDuration: .seconds(60)).first)
        return (store, again)
    }

    /// A block keeps one result per spec: reprocessed, it serves its current result until the new one completes,
    /// which then becomes current; the old version stays (pruned only by `tradu prune`).
    @Test func resultsKeepOneVersionPerSpecAndServeTheCurrentOne() async throws {
        // Reprocess one block (a spec change): it runs again, and keeps serving its current result meanwhile.
        let (store, again) = try await Self.completedThenClaimedAgain(blocks: 3, spec: "spec-2")
        let id = RuntimeFixtures.id(1)
        #expect(try await store.results().map(\.blockID) == (0..<3).map { RuntimeFixtures.id($0) })
        #expect(try await store.results()[1].records.contains("v1"))
        #expect(again.id == id)
        #expect(again.attempt == 2)
        #expect(again.attemptBase == 1)
        #expect(again.specHash == "spec-2")
        #expect(try await store.complete([RuntimeFixtures.completion(again, by: "w2", text: "v2")]) == [id])

        #expect(try await StoreFixtures.count(store, "results") == 4, "the superseded version stays")
        let results = try await store.results(pipeline: "translate")
        #expect(results.map(\.blockID) == [RuntimeFixtures.id(0), RuntimeFixtures.id(1), RuntimeFixtures.id(2)])
        #expect(results.map(\.ordinal) == [0, 1, 2])
        #expect(results[1].records.contains("v2"))
        #expect(results[0].records.contains("v1"))
        #expect(try await store.results(pipeline: "other").isEmpty)
        let tokens = try await store.connection.query(
            "SELECT sum(input_tokens) AS i, sum(memory_hits) AS m FROM results")[0]
        #expect(tokens["i"] == "40")
        #expect(tokens["m"] == "4")
        #expect(try await store.pruneResults(keep: 1) == 1)
        #expect(try await StoreFixtures.count(store, "results") == 3)
        #expect(try await store.results(pipeline: "translate")[1].records.contains("v2"), "pruning keeps the current")
    }

    /// A block completed again under the spec it already has a result for (reprocessed without a spec change)
    /// replaces that result in place: one row, the new attempt's records, tokens and worker.
    @Test func aBlockCompletedAgainUnderItsSpecReplacesItsResult() async throws {
        let (store, again) = try await Self.completedThenClaimedAgain(blocks: 2, spec: "spec-1")
        let id = RuntimeFixtures.id(1)
        #expect(again.id == id && again.specHash == "spec-1")
        var completion = RuntimeFixtures.completion(again, by: "w2", text: "v2")
        completion.inputTokens = 30
        #expect(try await store.complete([completion]) == [id])

        let rows = try await store.connection.query(
            """
            SELECT block_id, spec_hash, attempt, instance_id, input_tokens, records FROM results
            ORDER BY block_id, spec_hash
            """)
        #expect(rows.map { $0["block_id"] ?? "" } == [RuntimeFixtures.id(0), id], "one result per block and spec")
        #expect(rows[1]["spec_hash"] == "spec-1")
        #expect(rows[1]["attempt"] == "2")
        #expect(rows[1]["instance_id"] == "w2")
        #expect(rows[1]["input_tokens"] == "30")
        #expect(rows[1]["records"]?.contains("v2") == true)
        #expect(rows[0]["records"]?.contains("v1") == true, "the other block's result is untouched")
    }

    @Test func instancesRegisterHeartbeatAndStop() async throws {
        let store = try await StoreFixtures.freshStore()
        let info = InstanceInfo(id: "w1", role: "worker", host: "box", pid: 42, version: "0.1", concurrency: 8)
        try await store.registerInstance(info)
        #expect(try await store.heartbeatInstance("w1"))
        #expect(try await store.heartbeatInstance("unknown") == false)
        try await store.stopInstance("w1")
        #expect(try await store.heartbeatInstance("w1") == false)
        let row = try await store.connection.query(
            "SELECT state, ended_at IS NOT NULL AS ended, concurrency FROM instances")[0]
        #expect(row["state"] == "stopped")
        #expect(try row.bool("ended") == true)
        #expect(row["concurrency"] == "8")
        // Registering again (a restart under the same id) makes it live.
        try await store.registerInstance(info)
        #expect(try await store.heartbeatInstance("w1"))
    }

    @Test func anInstanceDeclaredDeadClaimsNothingUntilItRejoins() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2)
        let info = InstanceInfo(id: "w1", role: "worker", host: "box", pid: 42, version: "0.1", concurrency: 1)
        try await store.registerInstance(info)
        try await store.connection.query("UPDATE instances SET state = 'dead', ended_at = now() WHERE id = 'w1'")
        #expect(try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(30)).isEmpty)
        #expect(try await store.heartbeatInstance("w1") == false)
        #expect(try await store.rejoinInstance("w1"))
        #expect(try await store.rejoinInstance("w1") == false, "only a dead instance rejoins")
        #expect(try await store.heartbeatInstance("w1"))
        #expect(try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(30)).count == 2)
        // A stopped instance does not come back by rejoining: it exited cleanly.
        try await store.stopInstance("w1")
        #expect(try await store.rejoinInstance("w1") == false)
    }

    @Test func workChannelIsPerSchemaAndBounded() throws {
        #expect(try EnvironmentSchema(environment: "dev").workChannel == "tradu_work_tradu_dev")
        let long = try EnvironmentSchema(name: String(repeating: "a", count: 63))
        let other = try EnvironmentSchema(name: String(repeating: "a", count: 62) + "b")
        #expect(long.workChannel.utf8.count <= 63)
        #expect(long.workChannel != other.workChannel)
        #expect(try EnvironmentSchema(environment: "dev").freedChannel == "tradu_freed_tradu_dev")
        #expect(long.freedChannel.utf8.count <= 63)
        #expect(long.freedChannel != long.workChannel)
    }

    /// The controller learns at commit that blocks finished (one NOTIFY per commit, none for a refused one).
    @Test func finishingBlocksNotifiesTheFreedChannelOnce() async throws {
        let (store, url) = try await RuntimeFixtures.enqueued(blocks: 3)
        let listener = try await PostgresConnection.connect(url)
        try await listener.listen(store.freedChannel)
        let claimed = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        let done = try await store.complete(
            claimed.prefix(2).map {
                CompletedBlock(
                    id: $0.id, attempt: $0.attempt, instanceID: "w1", pipeline: $0.pipeline,
                    targetLanguage: $0.targetLanguage, records: "{}\n")
            })
        #expect(done.count == 2)
        #expect(try await listener.waitForNotifications(timeout: .seconds(5)).count == 1)
        let refused = try await store.complete([
            CompletedBlock(
                id: claimed[2].id, attempt: claimed[2].attempt + 1, instanceID: "w1", pipeline: claimed[2].pipeline,
                targetLanguage: claimed[2].targetLanguage, records: "{}\n")
        ])
        #expect(refused.isEmpty)
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(300)).isEmpty)
        _ = try await store.fail([
            FailedAttempt(
                id: claimed[2].id, attempt: claimed[2].attempt, instanceID: "w1", errorClass: "data", message: "bad",
                retryAfter: nil)
        ])
        #expect(try await listener.waitForNotifications(timeout: .seconds(5)).map(\.channel) == [store.freedChannel])
    }
}
