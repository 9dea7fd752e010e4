import TraduCore
import TraduPostgres

// The controller's side of the runtime (DESIGN §4): the leader lease, the rotator's scheduling, counts, and the
// watchdogs. Each operation is one bulk statement (plus, for scheduling, its events' `COPY` and a NOTIFY when it
// enqueued work), whatever the number of blocks it moves.

extension Store {
    // MARK: Leader lease

    /// Takes or keeps the controller leader lease in one atomic statement: creates it if absent, renews it if
    /// `holder` has it, takes it over if it expired (term + 1). Otherwise reports the current leader.
    public func acquireLeadership(holder: String, ttl: Duration) async throws -> Leadership {
        let expires = RuntimeSQL.rfc3339Milliseconds("expires_at")
        let rows = try await connection.query(
            """
            WITH taken AS (
                INSERT INTO controller_lease AS l (holder, term, acquired_at, expires_at)
                VALUES ($1, 1, now(), now() + $2::bigint * interval '1 microsecond')
                ON CONFLICT (singleton) DO UPDATE
                    SET holder = EXCLUDED.holder,
                        term = CASE WHEN l.holder = EXCLUDED.holder THEN l.term ELSE l.term + 1 END,
                        acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END,
                        expires_at = EXCLUDED.expires_at
                    WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
                RETURNING holder, term, expires_at
            )
            SELECT holder, term, \(expires) AS expires_at FROM taken
            UNION ALL
            SELECT holder, term, \(expires) AS expires_at FROM controller_lease WHERE NOT EXISTS (SELECT FROM taken)
            """, [holder, RuntimeSQL.microseconds(ttl)])
        // A lease created by a concurrent candidate after this statement's snapshot is invisible to its second
        // branch: read it again.
        let row: PostgresRow
        if let first = rows.first {
            row = first
        } else if let current = try await connection.query(
            "SELECT holder, term, \(expires) AS expires_at FROM controller_lease"
        ).first {
            row = current
        } else {
            throw StoreError.unexpectedData("controller_lease has no row after an upsert")
        }
        let current = try row.required("holder")
        return Leadership(
            isLeader: current == holder, holder: current, term: try row.required("term", Int64.init),
            expiresAt: try row.required("expires_at"))
    }

    /// Gives the lease up now if `holder` has it, so a standby takes over at its next try (with term + 1).
    public func resignLeadership(holder: String) async throws {
        try await connection.query(
            "UPDATE controller_lease SET expires_at = now() WHERE holder = $1 AND expires_at > now()", [holder])
    }

    // MARK: Rotator

    /// Enqueues up to each quota's `limit` of its pipeline's `created` blocks, in the order they were added (`key`:
    /// an apply adds its blocks in the order of their ids, so a step takes neighbours in every index by id), in
    /// one statement, with one `created` → `enqueued` event per block (reason "scheduled") copied in after it in the
    /// same transaction (`TransitionEvents`); rows another transaction holds are skipped. Sends one NOTIFY if
    /// anything was enqueued. Returns the count enqueued per pipeline.
    ///
    /// The rotator's pick (`claimed`) happens inside the statement and no other transaction can ever see it, so
    /// it is not logged as a state of its own: that event was a fifth of the log's rows and of a reader's work.
    @discardableResult
    public func schedule(_ quotas: [PipelineQuota], instanceID: String? = nil) async throws -> [String: Int] {
        let positive = quotas.filter { $0.limit > 0 }
        guard !positive.isEmpty else { return [:] }
        let parameters = Self.scheduleParameters(positive)
        let channel = workChannel
        let reporting = reportsSuccessPath
        let chunked = writesEventChunks
        let outcome = try await retryingConflicts { connection in
            let rows = try connection.query(Self.scheduleSQL, parameters)
            var enqueued: [String: Int] = [:]
            var made: [BlockTransition] = []
            var events = TransitionEvents(
                from: Self.scheduledFrom, to: .enqueued, reason: "scheduled", labelled: true, chunked: chunked,
                capacity: rows.count)
            for row in rows {
                let id: String = try row.required("id")
                let pipeline: String = try row.required("pipeline")
                let attempt: String = try row.required("attempt")
                enqueued[pipeline, default: 0] += 1
                events.append(
                    blockID: id, key: row["key"], instanceID: instanceID, attempt: attempt, at: try row.required("at"),
                    pipeline: pipeline, targetLanguage: row["target_language"])
                if reporting {
                    let attempt = Int(attempt) ?? 0
                    made.append(
                        BlockTransition(
                            blockID: id, pipeline: pipeline, from: Self.scheduledFrom, to: .enqueued,
                            attempt: attempt, instanceID: instanceID, reason: "scheduled"))
                }
            }
            try events.write(on: connection)
            if !enqueued.isEmpty { try connection.notify(channel) }
            return (enqueued: enqueued, made: made)
        }
        report(outcome.made)
        return outcome.enqueued
    }

    /// `scheduleSQL`'s parameters.
    static func scheduleParameters(_ quotas: [PipelineQuota]) -> [String?] {
        [SQLText.arrayLiteral(quotas.map(\.pipeline)), RuntimeSQL.intArray(quotas.map(\.limit))]
    }

    /// The state the rotator schedules from: the one legal source of `enqueued` for `.schedule` among the states
    /// its statement picks.
    static let scheduledFrom: BlockState = {
        let legal = RuntimeSQL.legalSources([.created], to: .enqueued, cause: .schedule)
        precondition(legal == [.created], "the rotator must be allowed to enqueue created blocks")
        return .created
    }()

    /// The scheduling statement. It returns every block it enqueued, with what its event records: the events go
    /// in by `COPY` (`TransitionEvents`), each carrying its block's labels for readers of the log
    /// (`StoreMigrations.eventLabels`).
    static let scheduleSQL = """
        WITH quota AS (
            SELECT pipeline, max(lim) AS lim FROM unnest($1::text[], $2::int[]) AS q (pipeline, lim)
            GROUP BY pipeline
        ), picked AS MATERIALIZED (
            SELECT p.ctid FROM quota q
            CROSS JOIN LATERAL (
                SELECT b.ctid FROM blocks b
                WHERE b.pipeline = q.pipeline AND b.state = 'created'
                ORDER BY b.key NULLS FIRST
                LIMIT q.lim
                FOR UPDATE SKIP LOCKED
            ) p
        ), scheduled AS (
            -- Straight to the row versions the pick locked (a TID scan, as the claim does): the LIMIT above is a
            -- parameter, so the planner guesses a tenth of the table for `picked`, and a join would hash the whole
            -- table (7 s a statement at 10M blocks); the state fence is an expression no index serves, or it could
            -- walk `blocks_schedulable_by_key` instead. By primary key, each block cost a random probe of the key.
            --
            -- A block is due from the moment it is enqueued (`run_at`, as every other way into `enqueued` sets it):
            -- claims take the oldest `run_at` first, so they follow the rotator's order. Left at the time the block
            -- was planned, a pipeline applied earlier went first whatever the rotation while the queue was deep.
            UPDATE blocks b
            SET state = 'enqueued', enqueued_at = now(), run_at = greatest(b.run_at, now()), updated_at = now()
            WHERE b.ctid = ANY (ARRAY(SELECT ctid FROM picked))
                AND \(RuntimeSQL.unindexedState("b")) = \(RuntimeSQL.list([scheduledFrom]))
            RETURNING b.id, b.key, b.pipeline, b.target_language, b.attempt, clock_timestamp() AS at
        )
        SELECT id, key, pipeline, target_language, attempt, at FROM scheduled ORDER BY id
        """

    // MARK: Counts

    /// Each pipeline's waiting and in-flight blocks, counting at most `waitingUpTo` and `inFlightUpTo` of each
    /// (0 skips the count). Every count walks an index no further than its bound, so a controller can ask every
    /// cycle whatever the size of the environment.
    public func demand(_ pipelines: [(pipeline: String, waitingUpTo: Int, inFlightUpTo: Int)]) async throws
        -> [String: PipelineDemand]
    {
        guard !pipelines.isEmpty else { return [:] }
        let rows = try await connection.query(Self.demandSQL, Self.demandParameters(pipelines))
        var demand: [String: PipelineDemand] = [:]
        for row in rows {
            let pipeline: String = try row.required("pipeline")
            demand[pipeline] = PipelineDemand(
                pipeline: pipeline, waiting: try row.required("waiting", Int.init),
                inFlight: try row.required("in_flight", Int.init))
        }
        return demand
    }

    /// `demand`'s statement. The waiting count reads `blocks_schedulable_by_key` in its own order: the statistics of a
    /// freshly applied environment say every block is `created`, and while they lag (autovacuum analyses a busy
    /// table about once a minute) an unordered count of up to a cycle's worth looked cheaper as a sequential
    /// scan, which then read the whole table every cycle for the few blocks still waiting (60 ms a cycle at
    /// 200,000 blocks, a sixth of the server's time in that run).
    static let demandSQL = """
        SELECT q.pipeline,
               (SELECT count(*) FROM (
                    SELECT 1 FROM blocks b WHERE b.pipeline = q.pipeline AND b.state = 'created'
                    ORDER BY b.key NULLS FIRST
                    LIMIT q.waiting_cap) w) AS waiting,
               (SELECT count(*) FROM (
                    SELECT 1 FROM blocks b
                    WHERE b.pipeline = q.pipeline AND b.state IN ('claimed', 'enqueued', 'in_process')
                        AND b.lease_owner IS DISTINCT FROM '\(providerBatchOwner)'
                    LIMIT q.flight_cap) f) AS in_flight
        FROM unnest($1::text[], $2::int[], $3::int[]) AS q (pipeline, waiting_cap, flight_cap)
        """

    /// `demandSQL`'s parameters.
    static func demandParameters(_ pipelines: [(pipeline: String, waitingUpTo: Int, inFlightUpTo: Int)])
        -> [String?]
    {
        [
            SQLText.arrayLiteral(pipelines.map(\.pipeline)),
            RuntimeSQL.intArray(pipelines.map { max(0, $0.waitingUpTo) }),
            RuntimeSQL.intArray(pipelines.map { max(0, $0.inFlightUpTo) }),
        ]
    }

    /// Blocks in flight per pipeline: `claimed` + `enqueued` + `in_process`, but for blocks waiting in a provider
    /// batch: they hold no worker slot, and the provider's own limits bound them.
    public func inFlight() async throws -> [String: Int] {
        let rows = try await connection.query(
            """
            SELECT pipeline, count(*) AS n FROM blocks
            WHERE state IN ('claimed', 'enqueued', 'in_process')
                AND lease_owner IS DISTINCT FROM '\(Self.providerBatchOwner)'
            GROUP BY pipeline
            """)
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.required("pipeline")] = try row.required("n", Int.init) }
        return counts
    }

    /// Whether any block is not final yet. Costs a few index probes whatever the environment's size: each
    /// active state but `claimed` has a partial index, read in its own order (a scalar subquery keeps the
    /// `ORDER BY ... LIMIT 1` that an `EXISTS` would drop, so stale statistics cannot turn a probe into a
    /// sequential scan); `claimed`, which lives only inside a scheduling statement, is looked up per pipeline.
    public func hasActiveBlocks() async throws -> Bool {
        let rows = try await connection.query(Self.activeBlocksSQL)
        return try rows[0].required("active") == "t"
    }

    /// `hasActiveBlocks`' statement.
    static let activeBlocksSQL = """
        SELECT (SELECT 1 FROM blocks WHERE state = 'created' ORDER BY pipeline, key NULLS FIRST LIMIT 1)
            IS NOT NULL
            OR (SELECT 1 FROM blocks WHERE state = 'enqueued' ORDER BY priority DESC, run_at, id LIMIT 1)
                IS NOT NULL
            OR (SELECT 1 FROM blocks WHERE state = 'in_process' ORDER BY lease_owner LIMIT 1) IS NOT NULL
            OR EXISTS (SELECT 1 FROM pipelines p
                       CROSS JOIN LATERAL (SELECT 1 FROM blocks b WHERE b.pipeline = p.name AND b.state = 'claimed'
                                           LIMIT 1) c) AS active
        """

    /// pipeline → state → count, for every state that has blocks.
    /// An estimate of the environment's blocks, instant at any size, for deciding whether an exact count is worth
    /// its cost: the planner's (`pg_class.reltuples`, kept by vacuum and analyze) or the statistics' live rows
    /// (current within a second of a commit, before any analyze ran), whichever is larger.
    public func estimatedBlockCount() async throws -> Int {
        let rows = try await connection.query(
            """
            SELECT greatest(c.reltuples::bigint, coalesce(s.n_live_tup, 0)) AS n
            FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE c.oid = 'blocks'::regclass
            """)
        return Int(rows.first?["n"].flatMap { $0 } ?? "0") ?? 0
    }

    public func counts() async throws -> [String: BlockCounts] {
        let rows = try await connection.query(
            "SELECT pipeline, state, count(*) AS n FROM blocks GROUP BY pipeline, state")
        var counts: [String: BlockCounts] = [:]
        for row in rows {
            let state = try row.required("state", BlockState.init(rawValue:))
            counts[try row.required("pipeline"), default: [:]][state] = try row.required("n", Int.init)
        }
        return counts
    }

    // MARK: Watchdogs

    /// The expiry watchdog's predicate, error message (SQL over `blocks b`) and event reason. No index orders
    /// leased blocks by expiry (migration 19): the statement reads them through `blocks_lease_owner`.
    static let expiredLease = (
        predicate: "b.lease_expires_at < now()",
        message: "'lease expired (worker ' || coalesce(b.lease_owner, 'unknown') || ' silent)'",
        reason: "lease expired"
    )

    /// Marks live instances silent for longer than `silentFor` dead, then takes back at once every `in_process`
    /// block whose owner is not live (same rules as `requeueExpiredLeases`). Returns the instances marked dead.
    @discardableResult
    public func markDeadInstances(silentFor: Duration, maxAttempts: [String: Int] = [:], instanceID: String? = nil)
        async throws -> [String]
    {
        try await sweepDeadInstances(silentFor: silentFor, maxAttempts: maxAttempts, instanceID: instanceID).dead
    }

    /// `markDeadInstances`, with the blocks it took back.
    public func sweepDeadInstances(silentFor: Duration, maxAttempts: [String: Int] = [:], instanceID: String? = nil)
        async throws -> (dead: [String], recovered: [RecoveredBlock])
    {
        let dead = try await connection.query(
            """
            UPDATE instances SET state = 'dead', ended_at = now()
            WHERE \(Self.silentInstance)
            RETURNING id
            """, [RuntimeSQL.microseconds(silentFor)]
        ).compactMap { $0["id"] }
        // Level-triggered: also blocks of instances marked dead or stopped earlier and not yet recovered.
        let recovered = try await recover(
            where: "b.lease_owner IN (SELECT id FROM instances WHERE state <> 'live')",
            message: "'worker ' || b.lease_owner || ' is no longer live'",
            reason: try PostgresQuoting.literal("instance dead"), maxAttempts: maxAttempts, instanceID: instanceID)
        return (dead.sorted(), recovered)
    }

    /// A live instance silent for longer than `$1` (microseconds): what the dead-instance sweep marks dead.
    static let silentInstance = "state = 'live' AND heartbeat_at < now() - $1::bigint * interval '1 microsecond'"

    /// Whether a watchdog pass would judge anyone by their silence: a leased block whose lease expired, or a live
    /// instance silent for `silentFor`. Reads the leased blocks (through `blocks_lease_owner`, in owner order, as
    /// the watchdog does) and the instances: a set bounded by what the workers hold, once a second.
    public func livenessDue(silentFor: Duration) async throws -> Bool {
        try await connection.query(
            """
            SELECT EXISTS (
                       SELECT 1 FROM blocks b WHERE b.state = 'in_process' AND \(Self.expiredLease.predicate)
                       ORDER BY b.lease_owner)
                   OR EXISTS (SELECT 1 FROM instances WHERE \(Self.silentInstance)) AS due
            """, [RuntimeSQL.microseconds(silentFor)]
        ).first?["due"] == "t"
    }

    /// The reason a block taken back past its pipeline's block timeout carries (its event's, `RecoveredBlock`'s).
    public static let blockTimeoutReason = "block timeout"

    /// The block-timeout watchdog's join (`$5`, `$6`: each pipeline's timeout in microseconds), predicate, error
    /// message and event reason. A pipeline without a timeout has no row: its blocks match nothing.
    static let stalledBlock = (
        join: "LEFT JOIN unnest($5::text[], $6::bigint[]) AS t (pipeline, timeout) ON t.pipeline = b.pipeline",
        predicate: """
        (b.started_at < now() - t.timeout * interval '1 microsecond'
            AND b.lease_owner IS DISTINCT FROM '\(providerBatchOwner)')
        """,
        message: """
        'ran past the block timeout of ' || (t.timeout * interval '1 microsecond')::text
            || ' (worker ' || coalesce(b.lease_owner, 'unknown') || ')'
        """,
        reason: blockTimeoutReason
    )

    static func timeoutParameters(_ timeouts: [String: Duration]) -> [String?] {
        let pipelines = timeouts.keys.sorted()
        return [
            SQLText.arrayLiteral(pipelines),
            SQLText.arrayLiteral(pipelines.map { RuntimeSQL.microseconds(timeouts[$0]!) }),
        ]
    }

    /// Takes back `in_process` blocks whose lease expired or that started longer ago than their pipeline's block
    /// timeout (even if their worker still heartbeats; not blocks waiting in a provider batch, whose completion
    /// window bounds them): to `enqueued`, or to `failed` once `attempt - attempt_base` reached the pipeline's
    /// `maxAttempts` (a block that keeps killing workers stops). Pipelines missing from `maxAttempts` use the
    /// default retry policy's; pipelines missing from `timeouts` have no timeout.
    ///
    /// One statement for both watchdogs: each reads every leased block, and as two statements, once a second, they
    /// did so twice (10.6 and 11.4 ms with 20,000 leased; 12.7 ms together). `judgeLeases` false checks the
    /// timeouts only (right after the controller lost the database, when every lease looks stale). A block both
    /// expired and past its timeout is taken back as expired. Each block says which (`reason`: "lease expired" or
    /// "block timeout").
    @discardableResult
    public func requeueLapsed(
        judgeLeases: Bool, timeouts: [String: Duration], maxAttempts: [String: Int], instanceID: String? = nil
    ) async throws -> [RecoveredBlock] {
        guard judgeLeases || !timeouts.isEmpty else { return [] }
        return try await recover(
            join: Self.lapsed.join, where: Self.lapsed.predicate, message: Self.lapsed.message,
            reason: Self.lapsed.reason, maxAttempts: maxAttempts, instanceID: instanceID,
            parameters: Self.timeoutParameters(timeouts) + [judgeLeases ? "true" : "false"])
    }

    /// `requeueLapsed`'s join, predicate, message and reason (SQL); `$7` says whether expired leases count.
    static let lapsed: (join: String, predicate: String, message: String, reason: String) = {
        let expired = "($7::boolean AND \(expiredLease.predicate))"
        return (
            join: stalledBlock.join,
            predicate: "(\(expired) OR \(stalledBlock.predicate))",
            message: "CASE WHEN \(expired) THEN \(expiredLease.message) ELSE \(stalledBlock.message) END",
            reason: """
            CASE WHEN \(expired) THEN '\(expiredLease.reason)' ELSE '\(stalledBlock.reason)' END
            """
        )
    }()

    /// The watchdogs' shared statement: picks `in_process` rows matching `predicate` (skipping rows a worker is
    /// committing right now: the next pass sees them), moves them to `enqueued` or, out of attempts, `failed`,
    /// with an `infrastructure` error and one event each. Notifies the workers if anything was enqueued.
    ///
    /// `join`, `predicate`, `message` and `reason` (the event's) are SQL over `blocks b`; `parameters` are `$5`
    /// on.
    private func recover(
        join: String = "", where predicate: String, message: String, reason: String, maxAttempts: [String: Int],
        instanceID: String?, parameters: [String?] = []
    ) async throws -> [RecoveredBlock] {
        let pipelines = maxAttempts.keys.sorted()
        let all: [String?] =
            [
                SQLText.arrayLiteral(pipelines), RuntimeSQL.intArray(pipelines.map { maxAttempts[$0]! }),
                String(RetryPolicy.default.maxAttempts), instanceID,
            ] + parameters
        let sql = Self.recoverSQL(join: join, where: predicate, message: message, reason: reason)
        let channel = workChannel
        let from = BlockLifecycle.sources(of: .enqueued, cause: .watchdog).first
        let outcome = try await retryingConflicts { connection in
            var made: [BlockTransition] = []
            let recovered = try connection.query(sql, all).map { row in
                let block = RecoveredBlock(
                    id: try row.required("id"), pipeline: try row.required("pipeline"),
                    attempt: try row.required("attempt", Int.init), to: try row.required("state"),
                    instanceID: row["lease_owner"], reason: try row.required("reason"))
                made.append(
                    BlockTransition(
                        blockID: block.id, pipeline: block.pipeline, from: from,
                        to: BlockState(rawValue: block.to) ?? .enqueued, attempt: block.attempt, instanceID: instanceID,
                        reason: block.reason, errorClass: ErrorClass.infrastructure.rawValue, error: row["message"]))
                return block
            }
            if recovered.contains(where: { $0.to == BlockState.enqueued.rawValue }) { try connection.notify(channel) }
            return (recovered: recovered, made: made)
        }
        report(outcome.made)
        return outcome.recovered
    }

    /// The watchdogs' statement (see `recover`): `$1`, `$2` the pipelines' attempt limits, `$3` the default limit,
    /// `$4` the instance recorded in the events. `reason` is SQL.
    static func recoverSQL(join: String = "", where predicate: String, message: String, reason: String) -> String {
        let outOfAttempts = "b.attempt - b.attempt_base >= p.max_attempts"
        return """
            WITH limits AS (
                SELECT * FROM unnest($1::text[], $2::int[]) AS m (pipeline, max_attempts)
            ), picked AS MATERIALIZED (
                SELECT b.id, b.lease_owner, coalesce(m.max_attempts, $3::int) AS max_attempts, \(message) AS message,
                       \(reason) AS reason
                FROM blocks b LEFT JOIN limits m ON m.pipeline = b.pipeline \(join)
                WHERE b.state = 'in_process' AND \(predicate)
                ORDER BY b.id
                FOR UPDATE OF b SKIP LOCKED
            ), changed AS (
                UPDATE blocks b
                SET state = CASE WHEN \(outOfAttempts) THEN 'failed' ELSE 'enqueued' END,
                    run_at = CASE WHEN \(outOfAttempts) THEN b.run_at ELSE now() END,
                    enqueued_at = CASE WHEN \(outOfAttempts) THEN b.enqueued_at ELSE now() END,
                    finished_at = CASE WHEN \(outOfAttempts) THEN now() END,
                    lease_owner = NULL, lease_expires_at = NULL, error_class = 'infrastructure', last_error = p.message,
                    errors = b.errors || jsonb_build_array(jsonb_build_object(
                        'attempt', b.attempt, 'class', 'infrastructure', 'message', p.message, 'at', now())),
                    updated_at = now()
                FROM picked p
                WHERE b.id = p.id
                    AND CASE WHEN \(outOfAttempts)
                        THEN b.state IN (\(RuntimeSQL.sources(of: .failed, cause: .watchdog)))
                        ELSE b.state IN (\(RuntimeSQL.sources(of: .enqueued, cause: .watchdog))) END
                RETURNING b.id, b.key, b.pipeline, b.attempt, b.state, p.lease_owner, p.message, p.reason
            ), logged AS (
                INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason,
                                          error_class, error)
                SELECT id, key, \(RuntimeSQL.onlySource(of: .enqueued, cause: .watchdog)), state, $4, attempt, reason,
                       'infrastructure', message
                FROM changed
            )
            SELECT id, pipeline, attempt, state, lease_owner, message, reason FROM changed ORDER BY id
            """
    }
}
