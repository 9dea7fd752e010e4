import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

@Suite struct ControllerStoreTests {
    /// A scheduling step updates the row versions it picked and locked, by `ctid`. The pick's `LIMIT` is a
    /// parameter, so the planner expects a tenth of the table; joined to it, the update hashed the whole table (7 s
    /// a step at 10M); by primary key, each block cost a random probe of the key.
    @Test func aSchedulingStepUpdatesThePickedBlocksByTheirLockedRowVersions() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 5_000)
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE blocks")
        let parameters = Store.scheduleParameters([PipelineQuota(pipeline: "translate", limit: 2_000)])
        let explain = { (sql: String) in
            try await store.connection.query("EXPLAIN " + sql, parameters).compactMap { $0[0] }.joined(separator: "\n")
        }
        let plan = try await explain(Store.scheduleSQL)
        #expect(plan.contains("Tid Scan on blocks b"), "\(plan)")
        #expect(!plan.contains("Seq Scan on blocks"), "\(plan)")
        #expect(!plan.contains("blocks_pkey"), "\(plan)")
        // The checks can fail: joined to the picked blocks, the same update scans the table; by id, it probes
        // the key.
        let joined = Store.scheduleSQL.replacingOccurrences(
            of: "WHERE b.ctid = ANY (ARRAY(SELECT ctid FROM picked))", with: "FROM picked p WHERE b.ctid = p.ctid")
        #expect(joined != Store.scheduleSQL)
        #expect(try await explain(joined).contains("Seq Scan on blocks"), "the join form scans the table")
        let byID = Store.scheduleSQL.replacingOccurrences(of: "ctid", with: "id")
        #expect(try await explain(byID).contains("Index Cond: (id = ANY"), "the form by id probes the key")
        // And it still schedules, each block once.
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 2_000)]) == ["translate": 2_000])
        let enqueued = try await store.connection.query(
            "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM blocks WHERE state = 'enqueued'")
        #expect(try enqueued[0].int("n") == 2_000 && enqueued[0].int("ids") == 2_000)
    }

    /// The controller counts waiting blocks every cycle. With statistics from when every block was `created`
    /// (they lag behind a busy queue), an unordered count chose a sequential scan, and read the whole table every
    /// cycle for the few blocks still waiting: the count walks `blocks_schedulable_by_key` in its order instead.
    @Test func theWaitingCountReadsTheSchedulableIndexWhateverTheStatistics() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 20_000)
        // No autovacuum may analyse the table between the two states this test needs.
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        try await store.connection.query("ANALYZE blocks")
        #expect(
            try await store.schedule([PipelineQuota(pipeline: "translate", limit: 19_990)]) == ["translate": 19_990])
        try await store.connection.query("UPDATE blocks SET state = 'completed' WHERE state = 'enqueued'")
        let parameters = Store.demandParameters([(pipeline: "translate", waitingUpTo: 20_000, inFlightUpTo: 0)])
        let explain = { (sql: String) in
            try await store.connection.query("EXPLAIN " + sql, parameters).compactMap { $0[0] }.joined(separator: "\n")
        }
        let plan = try await explain(Store.demandSQL)
        #expect(plan.contains("blocks_schedulable_by_key"), "\(plan)")
        #expect(!plan.contains("Seq Scan on blocks"), "\(plan)")
        // The check can fail: without the order, the same count scans the table.
        let unordered = Store.demandSQL.replacingOccurrences(of: "ORDER BY b.key NULLS FIRST", with: "")
        #expect(unordered != Store.demandSQL)
        #expect(try await explain(unordered).contains("Seq Scan on blocks"), "the unordered count scans the table")
        // And it still counts.
        #expect(
            try await store.demand([(pipeline: "translate", waitingUpTo: 20_000, inFlightUpTo: 0)])["translate"]
                == PipelineDemand(pipeline: "translate", waiting: 10, inFlight: 0))
    }

    /// No index orders leased blocks by expiry (renewals stay HOT, migration 19): the watchdog pass (expired leases
    /// and block timeouts together), once a second, reads the leased blocks through `blocks_lease_owner`, never the
    /// whole table, whether the statistics were taken before any claim or while blocks were leased.
    @Test func theExpiryWatchdogReadsTheLeasedBlocksIndexWhateverTheStatistics() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 20_000)
        try await store.connection.query("ALTER TABLE blocks SET (autovacuum_enabled = false)")
        // The controller's pass: expired leases and block timeouts in one statement.
        let sql = Store.recoverSQL(
            join: Store.lapsed.join, where: Store.lapsed.predicate, message: Store.lapsed.message,
            reason: Store.lapsed.reason)
        let parameters: [String?] = ["{}", "{}", "3", "c1", "{translate}", "{3600000000}", "true"]
        // The plan, read in a transaction that is rolled back (with what `first` did).
        func plan(first: String? = nil) async throws -> String {
            try await RuntimeFixtures.rolledBack(store) { connection in
                if let first { try connection.execute(first) }
                return try connection.query("EXPLAIN " + sql, parameters).compactMap { $0[0] }.joined(separator: "\n")
            }
        }
        try await store.connection.query("ANALYZE blocks")
        let beforeClaims = try await plan()
        #expect(
            beforeClaims.contains("blocks_lease_owner") && !beforeClaims.contains("Seq Scan on blocks"),
            "\(beforeClaims)")
        let claimed = try await store.claim(instanceID: "w1", limit: 200, leaseDuration: .seconds(600))
        #expect(claimed.count == 200)
        try await store.connection.query("ANALYZE blocks")
        let whileLeased = try await plan()
        #expect(
            whileLeased.contains("blocks_lease_owner") && !whileLeased.contains("Seq Scan on blocks"), "\(whileLeased)")
        // The check can fail: without that index the statement walks the whole (pipeline, state) index instead.
        let unindexed = try await plan(first: "DROP INDEX blocks_lease_owner")
        #expect(
            !unindexed.contains("blocks_lease_owner") && unindexed.contains("blocks_pipeline_state"), "\(unindexed)")
        // And it still takes back exactly the expired leases.
        try await RuntimeFixtures.expireLeases(store, claimed.prefix(3).map(\.id))
        let recovered = try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: [:])
        #expect(recovered.map(\.id) == claimed.prefix(3).map(\.id).sorted())
        #expect(try await store.counts()["translate"]?[.inProcess] == 197)
    }

    /// Claims follow the rotator's order: a block is due from the moment it is enqueued, not from when it was
    /// planned. Otherwise a pipeline applied earlier went first whatever the rotation, and claims took blocks by id
    /// from every enqueued block of the environment (all over the table).
    @Test func claimsFollowTheOrderBlocksWereScheduledIn() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 3, pipelines: ["early", "late"])
        // `early` was planned an hour before `late`; the rotator enqueues `late` first.
        try await store.connection.query(
            "UPDATE blocks SET run_at = now() - interval '1 hour' WHERE pipeline = 'early'")
        #expect(try await store.schedule([PipelineQuota(pipeline: "late", limit: 3)]) == ["late": 3])
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await store.schedule([PipelineQuota(pipeline: "early", limit: 3)]) == ["early": 3])
        let first = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        #expect(first.map(\.pipeline) == ["late", "late", "late"], "\(first.map(\.id))")
        let second = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        #expect(second.map(\.pipeline) == ["early", "early", "early"], "\(second.map(\.id))")
        // Enqueued, a block is due from then: its `run_at` is its `enqueued_at`.
        let due = try await store.connection.query(
            "SELECT count(*) AS n FROM blocks WHERE run_at IS DISTINCT FROM enqueued_at")
        #expect(try due[0].int("n") == 0)
    }

    @Test func scheduleEnqueuesInTheOrderBlocksWereAddedWithinLimits() async throws {
        let (store, url) = try await RuntimeFixtures.store(blocks: 5, pipelines: ["alpha", "beta"])
        let listener = try await PostgresConnection.connect(url)
        try await listener.listen(store.workChannel)

        let scheduled = try await store.schedule(
            [
                PipelineQuota(pipeline: "alpha", limit: 2), PipelineQuota(pipeline: "beta", limit: 3),
                PipelineQuota(pipeline: "gamma", limit: 4), PipelineQuota(pipeline: "beta", limit: 0),
            ], instanceID: "c1")
        #expect(scheduled == ["alpha": 2, "beta": 3])
        let notifications = try await listener.waitForNotifications(timeout: .seconds(10))
        #expect(notifications.first?.channel == store.workChannel)

        let enqueued = try await store.listBlocks(state: .enqueued, limit: 100).map(\.id).sorted()
        #expect(
            enqueued == [
                RuntimeFixtures.id(0, pipeline: "alpha"), RuntimeFixtures.id(1, pipeline: "alpha"),
                RuntimeFixtures.id(0, pipeline: "beta"), RuntimeFixtures.id(1, pipeline: "beta"),
                RuntimeFixtures.id(2, pipeline: "beta"),
            ])
        let events = try await store.events(blockID: RuntimeFixtures.id(0, pipeline: "alpha"))
        #expect(
            events.map { "\($0.fromState?.rawValue ?? "nil")>\($0.toState.rawValue):\($0.reason ?? "")" } == [
                "nil>created:planned", "created>enqueued:scheduled",
            ])
        #expect(events.dropFirst().allSatisfy { $0.instanceID == "c1" })
        #expect(events.map(\.sequence) == events.map(\.sequence).sorted())
        let scheduledEvents = try await store.connection.query(
            "SELECT count(*) AS n FROM \(EventLogSQL.everyEvent()) e WHERE reason = 'scheduled'")[0]
        #expect(try scheduledEvents.int("n") == 5, "one event per scheduled block")

        #expect(try await store.inFlight() == ["alpha": 2, "beta": 3])
        // Bounded counts: never past what the caller can use; 0 skips a count; an unknown pipeline has none.
        let demand = try await store.demand([
            (pipeline: "alpha", waitingUpTo: 2, inFlightUpTo: 10), (pipeline: "beta", waitingUpTo: 10, inFlightUpTo: 0),
            (pipeline: "gamma", waitingUpTo: 10, inFlightUpTo: 10),
        ])
        #expect(
            demand == [
                "alpha": PipelineDemand(pipeline: "alpha", waiting: 2, inFlight: 2),
                "beta": PipelineDemand(pipeline: "beta", waiting: 2, inFlight: 0),
                "gamma": PipelineDemand(pipeline: "gamma", waiting: 0, inFlight: 0),
            ])
        #expect(
            try await store.demand([(pipeline: "beta", waitingUpTo: 1, inFlightUpTo: 2)])["beta"]
                == PipelineDemand(pipeline: "beta", waiting: 1, inFlight: 2))
        #expect(
            try await store.counts() == [
                "alpha": [.created: 3, .enqueued: 2], "beta": [.created: 2, .enqueued: 3],
            ])

        // The rest, then nothing left: no NOTIFY for an empty round.
        #expect(try await store.schedule([PipelineQuota(pipeline: "alpha", limit: 10)]) == ["alpha": 3])
        #expect(try await store.schedule([PipelineQuota(pipeline: "alpha", limit: 10)]) == [:])
        #expect(try await store.schedule([]) == [:])
        await listener.close()
    }

    /// The event that schedules a block carries its pipeline and language, so the API's stream reader learns them
    /// from the log; the stream's events give the time as the database's `to_char` does, to the millisecond.
    @Test func theSchedulingEventCarriesTheBlocksLabelsForTheStream() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 3, pipelines: ["alpha", "beta"])
        // The reader writes times its own way whatever the session's style and zone.
        try await store.connection.query("SET TimeZone = 'America/New_York'")
        try await store.connection.query("SET DateStyle = 'SQL, DMY'")
        let before = try await store.latestEventID()
        #expect(try await store.schedule([PipelineQuota(pipeline: "alpha", limit: 2)]) == ["alpha": 2])
        let claimed = try await store.claim(instanceID: "w1", limit: 10, leaseDuration: .seconds(30))
        #expect(claimed.count == 2)
        try await store.prepareEventLogReader()
        let streamed = try await store.streamEvents(after: before, limit: 100)
        #expect(streamed.count == 4, "a scheduling event and a claim for each of two blocks")
        for event in streamed {
            let scheduling = event.event.fromState == .created && event.event.toState == .enqueued
            #expect(
                event.label == (scheduling ? BlockLabel(pipeline: "alpha", targetLanguage: "fr") : nil),
                "only the scheduling event is labelled: \(event)")
        }
        let written = try await store.connection.query(
            "SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at "
                + "FROM \(EventLogSQL.everyEvent()) e WHERE id > $1::bigint ORDER BY id", [String(before)])
        #expect(streamed.map(\.event.at) == written.map { $0["at"] ?? "" })
        #expect(streamed.map(\.event.sequence) == written.map { Int64($0["id"] ?? "") ?? 0 })
        // With gaps the statement takes its other form, with the same columns.
        let gapped = try await store.streamEvents(
            after: streamed[2].event.sequence, gaps: [streamed[0].event.sequence...streamed[1].event.sequence],
            limit: 100)
        #expect(gapped.map(\.event.sequence).sorted() == [0, 1, 3].map { streamed[$0].event.sequence })
        #expect(gapped.contains { $0.label == BlockLabel(pipeline: "alpha", targetLanguage: "fr") })
    }

    /// The stream's reader reads the log by its primary key, in order, even before the log was ever analysed. Left
    /// to its defaults, the planner takes `id > $1` for a third of a young log and reads all of it and sorts it
    /// at every read.
    @Test func theStreamReadsTheLogByItsPrimaryKeyBeforeItIsAnalysed() async throws {
        let (store, url) = try await RuntimeFixtures.store(blocks: 1)
        try await store.connection.query("ALTER TABLE block_events SET (autovacuum_enabled = false)")
        try await store.connection.query(
            """
            INSERT INTO block_events (block_id, from_state, to_state, attempt, reason)
            SELECT 'b' || g, 'enqueued', 'in_process', 1, 'claimed' FROM generate_series(1, 20000) g
            """)
        let latest = try await store.latestEventID()
        try await store.prepareEventLogReader()
        let plain = try await Store.open(url: url, environment: "dev")
        for gaps in [false, true] {
            let parameters: [String?] =
                gaps ? [String(latest - 2_000), "{5}", "{9}", "5000"] : [String(latest - 2_000), "5000"]
            let explain = { (store: Store) in
                try await store.connection.query("EXPLAIN " + Store.streamEventsSQL(gaps: gaps), parameters)
                    .compactMap { $0[0] }.joined(separator: "\n")
            }
            let ordered = try await explain(store)
            #expect(ordered.contains("Index Scan using block_events_pkey"), "\(ordered)")
            #expect(!ordered.contains("Seq Scan"), "\(ordered)")
            // The rows come in order from the key, never sorted; only the chunked events are (`EventLogSQL`: a
            // few hundred at most, however long the log).
            let sorts = ordered.split(separator: "\n").filter { $0.contains("Sort Key:") }
            #expect(sorts.allSatisfy { $0.contains("u.id") || $0.contains("u_1.id") }, "\(ordered)")
            // The check can fail: by default the young log is read whole.
            #expect(try await explain(plain).contains("Seq Scan on block_events"), "gaps: \(gaps)")
        }
        await plain.close()
        #expect(try await store.streamEvents(after: latest - 10, limit: 100).count == 10)
    }

    /// What makes the controller check that the database takes writes before judging silence: an expired lease,
    /// or a live instance silent for too long; neither while leases are fresh and instances beat.
    @Test func livenessIsDueOnceALeaseExpiresOrAnInstanceFallsSilent() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3)
        try await store.registerInstance(
            InstanceInfo(id: "w1", role: "worker", host: "h", pid: 1, version: "t", concurrency: 3))
        _ = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        #expect(try await store.livenessDue(silentFor: .seconds(30)) == false)
        try await RuntimeFixtures.expireLeases(store, [RuntimeFixtures.id(1)])
        #expect(try await store.livenessDue(silentFor: .seconds(30)))
        _ = try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: [:])
        #expect(try await store.livenessDue(silentFor: .seconds(30)) == false)
        try await store.connection.query(
            "UPDATE instances SET heartbeat_at = now() - interval '1 minute' WHERE id = 'w1'")
        #expect(try await store.livenessDue(silentFor: .seconds(30)))
        #expect(try await store.livenessDue(silentFor: .seconds(120)) == false)
    }

    @Test func expiredLeaseIsRequeuedThenFailedOutOfAttempts() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2)
        _ = try await store.claim(instanceID: "w1", limit: 2, leaseDuration: .seconds(60))
        // Nothing expired yet.
        #expect(try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: ["translate": 2]).isEmpty)

        let id = RuntimeFixtures.id(0)
        try await RuntimeFixtures.expireLeases(store, [id])
        let first = try await store.requeueLapsed(
            judgeLeases: true, timeouts: [:], maxAttempts: ["translate": 2], instanceID: "c1")
        #expect(
            first == [
                RecoveredBlock(
                    id: id, pipeline: "translate", attempt: 1, to: "enqueued", instanceID: "w1", reason: "lease expired"
                )
            ])
        #expect(try await StoreFixtures.state(store, RuntimeFixtures.id(1)).state == "in_process")

        let again = try await store.claim(instanceID: "w2", limit: 1, leaseDuration: .seconds(60))
        #expect(again.map(\.attempt) == [2])
        try await RuntimeFixtures.expireLeases(store, [id])
        let second = try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: ["translate": 2])
        #expect(second.map(\.to) == ["failed"])

        let row = try await store.connection.query(
            """
            SELECT state, error_class, last_error, lease_owner, jsonb_array_length(errors) AS n
            FROM blocks WHERE id = $1
            """, [id])[0]
        #expect(row["state"] == "failed")
        #expect(row["error_class"] == "infrastructure")
        #expect(row["last_error"] == "lease expired (worker w2 silent)")
        #expect(row["lease_owner"] == nil)
        #expect(row["n"] == "2")
        let events = try await store.events(blockID: id)
        #expect(events.suffix(3).map(\.toState) == [.enqueued, .inProcess, .failed])
        #expect(events.last?.errorClass == "infrastructure")
        #expect(events[events.count - 3].instanceID == "c1")
        #expect(events[events.count - 3].error == "lease expired (worker w1 silent)")
    }

    @Test func deadInstanceBlocksAreRequeuedAtOnce() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 5)
        for worker in ["w1", "w2"] {
            try await store.registerInstance(
                InstanceInfo(id: worker, role: "worker", host: "box", pid: 1, version: "0", concurrency: 4))
        }
        let w1 = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(600))
        let w2 = try await store.claim(instanceID: "w2", limit: 2, leaseDuration: .seconds(600))
        try await store.connection.query(
            "UPDATE instances SET heartbeat_at = now() - interval '10 minutes' WHERE id = 'w1'")

        #expect(try await store.markDeadInstances(silentFor: .seconds(30), maxAttempts: ["translate": 3]) == ["w1"])
        #expect(try await store.heartbeatInstance("w1") == false)
        #expect(try await store.heartbeatInstance("w2"))
        for block in w1 {
            #expect(try await StoreFixtures.state(store, block.id).state == "enqueued")
            #expect(try await RuntimeFixtures.column(store, block.id, "last_error") == "worker w1 is no longer live")
        }
        for block in w2 { #expect(try await StoreFixtures.state(store, block.id).state == "in_process") }
        // A second sweep marks nothing new: w1 is already dead. (A long silence, so a loaded machine that took
        // half a minute to get here does not make w2, registered at the start, look silent.)
        #expect(try await store.markDeadInstances(silentFor: .seconds(600)).isEmpty)
        let kept = try await store.renewLeases(
            instanceID: "w1", held: w1.map { (id: $0.id, attempt: $0.attempt) }, leaseDuration: .seconds(60))
        #expect(kept.isEmpty)
    }

    @Test func stalledBlockIsRequeuedDespiteHeartbeats() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2, pipelines: ["slow", "other"])
        let claimed = try await store.claim(instanceID: "w1", limit: 4, leaseDuration: .seconds(600))
        #expect(claimed.count == 4)
        try await RuntimeFixtures.backdate(store, "started_at", by: "2 hours")
        // The worker is alive and renews its leases.
        let held = claimed.map { (id: $0.id, attempt: $0.attempt) }
        #expect(try await store.renewLeases(instanceID: "w1", held: held, leaseDuration: .seconds(600)).count == 4)
        #expect(try await store.requeueLapsed(judgeLeases: true, timeouts: [:], maxAttempts: [:]).isEmpty)

        #expect(
            try await store.requeueLapsed(judgeLeases: false, timeouts: ["slow": .seconds(3 * 3600)], maxAttempts: [:])
                .isEmpty)
        let recovered = try await store.requeueLapsed(
            judgeLeases: false, timeouts: ["slow": .seconds(3600)], maxAttempts: ["slow": 3, "other": 3])
        #expect(
            recovered.map(\.id).sorted() == [
                RuntimeFixtures.id(0, pipeline: "slow"), RuntimeFixtures.id(1, pipeline: "slow"),
            ])
        #expect(recovered.allSatisfy { $0.to == "enqueued" && $0.instanceID == "w1" })
        #expect(try await store.counts() == ["slow": [.enqueued: 2], "other": [.inProcess: 2]])
        let error = try await RuntimeFixtures.column(store, RuntimeFixtures.id(0, pipeline: "slow"), "last_error")
        #expect(error == "ran past the block timeout of 01:00:00 (worker w1)")
    }

    /// One pass takes back expired leases and blocks past their timeout, each with its reason; expired leases
    /// only when the controller may judge them. A block both expired and past its timeout counts as expired.
    @Test func oneWatchdogPassTakesBackExpiredLeasesAndStalledBlocksWithTheirReasons() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3, pipelines: ["slow", "other"])
        #expect(try await store.claim(instanceID: "w1", limit: 6, leaseDuration: .seconds(600)).count == 6)
        let slow = (0..<3).map { RuntimeFixtures.id($0, pipeline: "slow") }
        let other = (0..<3).map { RuntimeFixtures.id($0, pipeline: "other") }
        try await RuntimeFixtures.expireLeases(store, [slow[0], slow[2], other[0], other[1]])
        try await RuntimeFixtures.backdate(store, "started_at", [slow[1], slow[2], other[1]], by: "2 hours")
        let timeouts: [String: Duration] = ["slow": .seconds(3600)]
        func taken(_ blocks: [RecoveredBlock]) -> [String] { blocks.map { "\($0.id) \($0.reason)" }.sorted() }

        // Leases not judged (the controller just got the database back): the timeouts only.
        let first = try await store.requeueLapsed(judgeLeases: false, timeouts: timeouts, maxAttempts: [:])
        #expect(taken(first) == ["slow/h1/fr block timeout", "slow/h2/fr block timeout"])
        // Judged: the expired leases, `other/h1` as expired although it also ran long (`other` has no timeout
        // here, so `other/h2`, untouched, stays).
        let second = try await store.requeueLapsed(
            judgeLeases: true, timeouts: timeouts.merging(["other": .seconds(3600)]) { $1 }, maxAttempts: [:])
        #expect(
            taken(second) == ["other/h0/fr lease expired", "other/h1/fr lease expired", "slow/h0/fr lease expired"])
        #expect(try await store.requeueLapsed(judgeLeases: true, timeouts: timeouts, maxAttempts: [:]).isEmpty)
        #expect(try await store.counts() == ["slow": [.enqueued: 3], "other": [.enqueued: 2, .inProcess: 1]])
        #expect(try await StoreFixtures.events(store, slow[1]).last == "in_process>enqueued:block timeout@1")
        #expect(try await StoreFixtures.events(store, other[1]).last == "in_process>enqueued:lease expired@1")
        let error = try await RuntimeFixtures.column(store, other[1], "last_error")
        #expect(error == "lease expired (worker w1 silent)")
    }

    @Test func leaderLeaseIsExclusiveUntilItExpires() async throws {
        let store = try await StoreFixtures.freshStore()
        let a = try await store.acquireLeadership(holder: "a", ttl: .seconds(30))
        #expect(a.isLeader)
        #expect(a.term == 1)
        #expect(a.expiresAt.hasSuffix("Z"))
        let b = try await store.acquireLeadership(holder: "b", ttl: .seconds(30))
        #expect(b == Leadership(isLeader: false, holder: "a", term: 1, expiresAt: b.expiresAt))
        let renewed = try await store.acquireLeadership(holder: "a", ttl: .seconds(30))
        #expect(renewed.isLeader && renewed.term == 1)

        try await store.connection.query("UPDATE controller_lease SET expires_at = now() - interval '1 second'")
        let takeover = try await store.acquireLeadership(holder: "b", ttl: .seconds(30))
        #expect(takeover.isLeader && takeover.holder == "b" && takeover.term == 2)
        let refused = try await store.acquireLeadership(holder: "a", ttl: .seconds(30))
        #expect(!refused.isLeader && refused.holder == "b" && refused.term == 2)

        // Resigning hands over at once; resigning a lease one does not hold does nothing.
        try await store.resignLeadership(holder: "a")
        #expect(try await store.acquireLeadership(holder: "a", ttl: .seconds(30)).isLeader == false)
        try await store.resignLeadership(holder: "b")
        let next = try await store.acquireLeadership(holder: "a", ttl: .seconds(30))
        #expect(next.isLeader && next.term == 3)
    }

    @Test func retryAndCancelByIdsAndFilter() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 6)
        let claimed = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        // Three dead-lettered blocks (0, 1, 2 by priority, run_at, id: whichever were claimed).
        let failed = try await store.fail(
            claimed.map {
                FailedAttempt(
                    id: $0.id, attempt: $0.attempt, instanceID: "w1", errorClass: "logic", message: "bug",
                    retryAfter: nil)
            })
        #expect(failed.count == 3)

        // Cancel: a failed one by id, the enqueued ones by filter; completed or cancelled blocks are not touched.
        let failedIDs = claimed.map(\.id).sorted()
        #expect(try await store.cancelBlocks(ids: [failedIDs[0]], reason: "operator said so") == 1)
        #expect(try await store.cancelBlocks(ids: [failedIDs[0]], reason: "again") == 0)
        #expect(try await store.cancelBlocks(pipeline: "translate", states: [.enqueued, .completed]) == 3)
        #expect(try await store.counts() == ["translate": [.failed: 2, .cancelled: 4]])
        #expect(try await StoreFixtures.events(store, failedIDs[0]).last == "failed>cancelled:operator said so@1")

        // Retry: the failed ones by filter, a cancelled one by id; a fresh retry budget.
        #expect(try await store.retryBlocks(pipeline: "translate", states: [.failed]) == 2)
        #expect(try await store.retryBlocks(ids: [failedIDs[0]]) == 1)
        #expect(try await store.retryBlocks(ids: [failedIDs[0]]) == 0)
        #expect(try await store.counts() == ["translate": [.enqueued: 3, .cancelled: 3]])
        let again = try await store.claim(instanceID: "w2", limit: 10, leaseDuration: .seconds(60))
        #expect(Set(again.map(\.id)) == Set(failedIDs))
        #expect(again.allSatisfy { $0.attempt == 2 && $0.attemptBase == 1 })
        #expect(
            try await StoreFixtures.events(store, failedIDs[1]).contains("failed>enqueued:retried by an operator@1"))
        // The error history stays across an operator retry.
        #expect(try await RuntimeFixtures.column(store, failedIDs[1], "jsonb_array_length(errors)") == "1")
        // Cancelling in-process blocks takes them from their worker.
        #expect(try await store.cancelBlocks(pipeline: "translate", states: [.inProcess]) == 3)
        #expect(
            try await store.renewLeases(
                instanceID: "w2", held: again.map { (id: $0.id, attempt: $0.attempt) }, leaseDuration: .seconds(60)
            ).isEmpty)
    }

    @Test func statusRowsUpsert() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.writeStatus([
            PipelineStatusRow(pipeline: "b", counts: "{\"created\": 1}", conditions: "[]", observedGeneration: 1),
            PipelineStatusRow(
                pipeline: "a", counts: "{}", conditions: "[{\"type\": \"Ready\"}]", observedGeneration: 2),
        ])
        try await store.writeStatus([
            PipelineStatusRow(pipeline: "b", counts: "{\"completed\": 1}", conditions: "[]", observedGeneration: 3)
        ])
        let statuses = try await store.statuses()
        #expect(statuses.map(\.pipeline) == ["a", "b"])
        #expect(statuses[1].counts == "{\"completed\": 1}")
        #expect(statuses[1].observedGeneration == 3)
        #expect(statuses[0].conditions.hasPrefix("[{\"type\": \"Ready\", \"lastTransitionTime\": \"20"))
        #expect(statuses.allSatisfy { $0.updatedAt != nil })
    }

    /// A condition keeps its `lastTransitionTime` while its status holds, and takes a new one when it changes.
    @Test func conditionsRecordTheirTransitionTime() async throws {
        let store = try await StoreFixtures.freshStore()
        func write(_ status: String) async throws {
            try await store.writeStatus([
                PipelineStatusRow(
                    pipeline: "p", counts: "{}", conditions: "[{\"type\": \"Ready\", \"status\": \"\(status)\"}]",
                    observedGeneration: 1)
            ])
        }
        try await write("False")
        try await store.connection.query(
            "UPDATE pipeline_status SET conditions = jsonb_set(conditions, '{0,lastTransitionTime}', '\"2000-01-01T00:00:00Z\"')"
        )
        try await write("False")
        let held = try await store.statuses()[0].conditions
        #expect(held.contains("2000-01-01T00:00:00Z"), "an unchanged status keeps its time: \(held)")
        try await write("True")
        let changed = try await store.statuses()[0].conditions
        #expect(!changed.contains("2000-01-01T00:00:00Z") && changed.contains("lastTransitionTime"), "\(changed)")
    }

    /// `tradu run` ends when this says no block is active: every active state must count, and a state held only
    /// by a row of another pipeline too.
    @Test func activeBlocksAreSeenInEveryActiveStateAndNotOnceAllAreFinal() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 2, pipelines: ["alpha", "beta"])
        #expect(try await store.hasActiveBlocks(), "created")
        let alpha0 = RuntimeFixtures.id(0, pipeline: "alpha")
        for state in ["claimed", "enqueued", "in_process"] {
            try await store.connection.query(
                "UPDATE blocks SET state = CASE WHEN id = $1 THEN $2 ELSE 'completed' END", [alpha0, state])
            #expect(try await store.hasActiveBlocks(), "one block \(state)")
        }
        try await store.connection.query("UPDATE blocks SET state = 'cancelled' WHERE id = $1", [alpha0])
        #expect(try await !store.hasActiveBlocks(), "all completed or cancelled")
        try await store.connection.query("UPDATE blocks SET state = 'failed'")
        #expect(try await !store.hasActiveBlocks(), "all failed")
    }
}
