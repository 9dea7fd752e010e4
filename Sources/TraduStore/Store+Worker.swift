import Foundation
import TraduCore
import TraduPostgres

// The worker's side of the runtime (DESIGN §4): instances, claims, leases, and fenced outcomes.
//
// Every write that follows a claim is fenced by (block id, attempt, lease owner) and guarded by the state
// machine's source states: a worker whose lease was lost (the block was requeued, re-claimed at a higher attempt
// or cancelled) changes nothing. Batches are one statement each, whatever their size; the claim's and the
// completion's rows for the log and the results follow their statement by `COPY`, in its transaction
// (`TransitionEvents`, `StoredResults`).

extension Store {
    // MARK: Instances

    /// Registers (or re-registers) a process as live.
    public func registerInstance(_ instance: InstanceInfo) async throws {
        try await connection.query(
            """
            INSERT INTO instances AS i (id, role, host, pid, version, concurrency)
            VALUES ($1, $2, $3, $4::int, $5, $6::int)
            ON CONFLICT (id) DO UPDATE
                SET role = EXCLUDED.role, host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version,
                    concurrency = EXCLUDED.concurrency, state = 'live', started_at = now(), heartbeat_at = now(),
                    ended_at = NULL
            """,
            [
                instance.id, instance.role, instance.host, String(instance.pid), instance.version,
                String(instance.concurrency),
            ])
    }

    /// Records that the process is alive. False when it was marked dead or stopped (or is unknown): its blocks
    /// were or will be given to others, so it must stop working.
    public func heartbeatInstance(_ id: String) async throws -> Bool {
        try await !connection.query(
            "UPDATE instances SET heartbeat_at = now() WHERE id = $1 AND state = 'live' RETURNING id", [id]
        ).isEmpty
    }

    /// Brings an instance that a controller marked dead back to live (it was only cut off, e.g. while the
    /// database restarted). Its blocks stay taken back: the process must forget every lease it held.
    /// Returns false when the instance is not dead (live already, or stopped).
    @discardableResult
    public func rejoinInstance(_ id: String) async throws -> Bool {
        try await !connection.query(
            """
            UPDATE instances SET state = 'live', heartbeat_at = now(), ended_at = NULL
            WHERE id = $1 AND state = 'dead' RETURNING id
            """, [id]
        ).isEmpty
    }

    /// Marks a live process stopped (a clean exit). A process already marked dead stays dead.
    public func stopInstance(_ id: String) async throws {
        try await connection.query(
            "UPDATE instances SET state = 'stopped', ended_at = now() WHERE id = $1 AND state = 'live'", [id])
    }

    // MARK: Claims and leases

    /// The claim. Its update goes straight to the row versions the pick locked, by `ctid` (a TID scan: no index
    /// at all); the state fence is an expression no index serves. Written plainly it matches `blocks_claimable`,
    /// and with statistics from before the blocks were enqueued (a fresh apply of a million, autovacuum not round
    /// yet) the planner expects one row there and reads every enqueued entry for each claim: 0.5 to 0.7 s a claim
    /// of 32 with 40,000 enqueued, where 4 ms suffice. A locked version cannot move or be pruned before the
    /// transaction ends; one that a concurrent update made after the statement's snapshot is invisible to the
    /// update, so that block is left for a later claim (its row was locked, never changed).
    static let claimSQL = claimSQL(laned: false)

    /// How far a laned claim looks into the queue: at most this many entries, or four times what it asks for. A full
    /// lane's blocks are read past, not claimed, and a deep backlog of them ahead (the rotator enqueues an uncapped
    /// pipeline's blocks well ahead of the workers) must not make every claim walk it whole.
    static let lanedClaimWindow = 2_048

    /// `claimSQL`, or with `laned` its form bounded by engine lanes (`ClaimLanes`): `$4`, `$5`, `$6` are the
    /// pipelines of the lanes with room, each one's lane and that lane's room; `$7` the pipelines of the full lanes;
    /// `$8` how many of the queue's first entries to read. The laned form reads those entries without locking,
    /// leaves out the full lanes' and each lane's beyond its room, and locks what remains by `ctid`, skipping the
    /// rows another claim holds and rechecking the state (a row claimed meanwhile is not `enqueued` any more). What
    /// it leaves was never locked nor changed. The plain form picks and locks in one walk, as before.
    static func claimSQL(laned: Bool) -> String {
        let queueHead = """
            WHERE state = 'enqueued' AND run_at <= now()
                AND NOT EXISTS (SELECT 1 FROM instances WHERE id = $1 AND state <> 'live')
            ORDER BY priority DESC, run_at, id
            """
        let pick =
            laned
            ? """
            lanes AS (
                SELECT * FROM unnest($4::text[], $5::int[], $6::int[]) AS l (pipeline, lane, room)
            ), seen AS MATERIALIZED (
                SELECT ctid, pipeline, priority, run_at, id FROM blocks
                \(queueHead)
                LIMIT $8::int
            ), chosen AS (
                SELECT r.ctid FROM (
                    SELECT s.ctid, s.priority, s.run_at, s.id, l.room,
                           row_number() OVER (PARTITION BY l.lane ORDER BY s.priority DESC, s.run_at, s.id) AS n
                    FROM seen s LEFT JOIN lanes l ON l.pipeline = s.pipeline
                    WHERE NOT (s.pipeline = ANY ($7::text[]))
                ) r
                WHERE r.room IS NULL OR r.n <= r.room
                ORDER BY r.priority DESC, r.run_at, r.id
                LIMIT $2::int
            ), picked AS MATERIALIZED (
                SELECT b.ctid FROM blocks b
                WHERE b.ctid = ANY (ARRAY(SELECT ctid FROM chosen)) AND \(RuntimeSQL.unindexedState("b")) = 'enqueued'
                FOR UPDATE SKIP LOCKED
            )
            """
            : """
            picked AS MATERIALIZED (
                SELECT ctid FROM blocks
                \(queueHead)
                LIMIT $2::int
                FOR UPDATE SKIP LOCKED
            )
            """
        return """
            WITH \(pick), claimed AS (
                UPDATE blocks b
                SET state = 'in_process', attempt = b.attempt + 1, lease_owner = $1,
                    lease_expires_at = now() + $3::bigint * interval '1 microsecond', heartbeat_at = now(),
                    started_at = now(), finished_at = NULL, updated_at = now()
                WHERE b.ctid = ANY (ARRAY(SELECT ctid FROM picked))
                    AND \(RuntimeSQL.unindexedState("b")) IN (\(RuntimeSQL.sources(of: .inProcess, cause: .worker)))
                RETURNING b.id, b.key, b.pipeline, b.block_hash, b.target_language, b.attempt, b.attempt_base,
                          b.spec_hash, b.revision, b.lease_expires_at,
                          extract(epoch FROM now() - coalesce(b.enqueued_at, b.run_at))::float8 AS queued_seconds,
                          extract(epoch FROM now() - b.created_at)::float8 AS age_seconds, clock_timestamp() AS at
            )
            SELECT c.id, c.key, c.pipeline, c.block_hash, c.target_language, c.attempt, c.attempt_base, c.spec_hash,
                   c.revision, \(RuntimeSQL.rfc3339Milliseconds("c.lease_expires_at")) AS lease_expires_at, bc.records,
                   c.queued_seconds, c.age_seconds, c.at
            FROM claimed c JOIN block_contents bc ON bc.hash = c.block_hash
            """
    }

    /// The state a claim takes blocks from.
    static let claimedFrom: BlockState = {
        let sources = BlockLifecycle.sources(of: .inProcess, cause: .worker)
        precondition(sources.count == 1, "a claim moves blocks from one state")
        return sources[0]
    }()

    /// Claims up to `limit` runnable blocks (`enqueued`, `run_at` due), highest priority first, then in the order
    /// they became due (for a scheduled block, when the rotator enqueued it; for a retry, when its backoff ends), for
    /// `instanceID` until now + `leaseDuration`. Rows locked by another claimer are skipped, so concurrent
    /// claimers never wait on each other nor get the same block. Each claim increments `attempt`. An instance
    /// declared dead (or stopped) claims nothing until it rejoins: a controller may be taking its blocks back.
    ///
    /// `lanes` bound what the claim takes for each engine (`ClaimLanes`); without them the statement is the plain
    /// claim.
    public func claim(instanceID: String, limit: Int, leaseDuration: Duration, lanes: ClaimLanes = .none)
        async throws -> [ClaimedBlock]
    {
        guard limit > 0 else { return [] }
        let sql = lanes.isEmpty ? Self.claimSQL : Self.claimSQL(laned: true)
        var parameters = [instanceID, String(limit), RuntimeSQL.microseconds(leaseDuration)]
        if !lanes.isEmpty {
            let withRoom = lanes.withRoom
            parameters += [
                SQLText.arrayLiteral(withRoom.pipelines), RuntimeSQL.intArray(withRoom.lanes),
                RuntimeSQL.intArray(withRoom.rooms), SQLText.arrayLiteral(lanes.full),
                String(max(Self.lanedClaimWindow, 4 * limit)),
            ]
        }
        // The claim and its events (`TransitionEvents`) in one transaction. The claim must walk `blocks_claimable`
        // in order, never through a bitmap: see `preferOrderedIndexScans()`, which the worker's claiming store sets.
        let bound = parameters
        let chunked = writesEventChunks
        let rows = try await connection.transaction { connection in
            let rows = try connection.query(sql, bound)
            var events = TransitionEvents(
                from: Self.claimedFrom, to: .inProcess, reason: "claimed", chunked: chunked, capacity: rows.count)
            for row in rows {
                events.append(
                    blockID: try row.required("id"), key: row["key"], instanceID: instanceID,
                    attempt: try row.required("attempt"), at: try row.required("at"))
            }
            try events.write(on: connection)
            return rows
        }
        let claimed = try rows.map { row in
            ClaimedBlock(
                id: try row.required("id"), pipeline: try row.required("pipeline"),
                blockHash: try row.required("block_hash"), targetLanguage: try row.required("target_language"),
                attempt: try row.required("attempt", Int.init), attemptBase: try row.required("attempt_base", Int.init),
                specHash: try row.required("spec_hash"), records: try row.required("records"),
                leaseExpiresAt: try row.required("lease_expires_at"),
                queuedSeconds: row["queued_seconds"].flatMap { Double($0) } ?? 0,
                ageSeconds: row["age_seconds"].flatMap { Double($0) } ?? 0,
                revision: try row.required("revision", Int64.init))
        }
        if reportsSuccessPath {
            let from = Self.claimedFrom
            report(
                claimed.map {
                    BlockTransition(
                        blockID: $0.id, pipeline: $0.pipeline, from: from, to: .inProcess, attempt: $0.attempt,
                        instanceID: instanceID, reason: "claimed")
                })
        }
        return claimed
    }

    /// Extends the leases `instanceID` still holds to now + `leaseDuration` and returns their ids. A block not
    /// returned was lost (requeued by a watchdog, re-claimed, cancelled): drop it, its outcome would be refused.
    public func renewLeases(instanceID: String, held: [(id: String, attempt: Int)], leaseDuration: Duration)
        async throws -> Set<String>
    {
        guard !held.isEmpty else { return [] }
        let rows = try await connection.query(
            Self.renewSQL, Self.renewParameters(instanceID: instanceID, held: held, leaseDuration: leaseDuration))
        return Set(rows.compactMap { $0["id"] })
    }

    /// The renewal. It sets only columns no index of `blocks` holds, so it is a HOT update whenever the row's
    /// page has room: one heap record and no index entry (migration 19).
    static let renewSQL = """
        UPDATE blocks b
        SET lease_expires_at = now() + $4::bigint * interval '1 microsecond', heartbeat_at = now()
        FROM unnest($2::text[], $3::int[]) AS h (id, attempt)
        WHERE b.id = h.id AND b.attempt = h.attempt AND b.state = 'in_process' AND b.lease_owner = $1
        RETURNING b.id
        """

    /// The held blocks sorted like every other statement that updates a worker's blocks, so that a renewal and a
    /// commit running on the worker's two connections lock shared rows in the same order and cannot deadlock.
    static func renewParameters(instanceID: String, held: [(id: String, attempt: Int)], leaseDuration: Duration)
        -> [String?]
    {
        let held = held.sorted { $0.id < $1.id }
        return [
            instanceID, SQLText.arrayLiteral(held.map(\.id)), RuntimeSQL.intArray(held.map(\.attempt)),
            RuntimeSQL.microseconds(leaseDuration),
        ]
    }

    // MARK: Outcomes

    /// Commits finished blocks with their results, and the translations learned, in one transaction. Only a
    /// block still `in_process` at the same attempt under the same owner completes. Its result is stored as the
    /// version of the block's spec (replacing an earlier result of the same spec) and becomes the block's
    /// current result, unless the block runs a rollout's new spec: then it waits beside the current one until
    /// the rollout completes. Returns the ids completed: the others were lost and changed nothing.
    ///
    /// The translation memory takes every learned translation, even from a refused block: a translation of a
    /// text does not depend on who produced it.
    ///
    /// `notifyFreed`: also NOTIFY `freedChannel` at commit (once), for a controller waiting for room under a cap.
    ///
    /// `token`: names this commit, the same on every try of it (`markCommit`). When an earlier try committed it,
    /// nothing is written again and the ids it completed are returned.
    public func complete(
        _ items: [CompletedBlock], memory: [(key: String, translation: String)] = [], notifyFreed: Bool = true,
        token: UUID? = nil
    ) async throws -> Set<String> {
        guard !items.isEmpty || !memory.isEmpty else { return [] }
        // Sorted, so concurrent transactions lock rows and unique-index entries in the same order.
        let blocks = items.sorted { $0.id < $1.id }
        var learned: [String: String] = [:]
        for entry in memory where learned[entry.key] == nil { learned[entry.key] = entry.translation }
        let keys = learned.keys.sorted()
        let parameters = Self.completeParameters(blocks, memory: keys.map { ($0, learned[$0]!) })
        let byID = Dictionary(blocks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let sql = Self.completeSQL
        let freed = freedChannel
        let reporting = reportsSuccessPath
        let from = BlockLifecycle.sources(of: .completed, cause: .worker).first
        let committer = committer
        let chunked = writesEventChunks
        let outcome = try await retryingConflicts(settings: Self.completionPlan) {
            connection -> (completed: Set<String>, made: [BlockTransition])? in
            if let token, try !Self.markCommit(token, committer: committer, on: connection) { return nil }
            var completed = Set<String>()
            var made: [BlockTransition] = []
            let rows = try connection.query(sql, binding: parameters)
            var events = TransitionEvents(
                from: from, to: .completed, reason: "completed", chunked: chunked, capacity: rows.count)
            var results = StoredResults(capacity: rows.count)
            for row in rows {
                let id: String = try row.required("id")
                // Every block the statement completes came from `items`: one it cannot match would be committed
                // without its result, so the whole commit is refused.
                guard let block = byID[id] else {
                    throw StoreError.unexpectedData("the completion answered block \(id), which it was not given")
                }
                completed.insert(id)
                try results.append(block, completedAs: row)
                events.append(
                    blockID: id, key: row["key"], instanceID: row["instance_id"], attempt: try row.required("attempt"),
                    at: try row.required("at"))
                if reporting {
                    made.append(
                        BlockTransition(
                            blockID: id, pipeline: row["pipeline"] ?? "", from: from, to: .completed,
                            attempt: row["attempt"].flatMap { Int($0) } ?? 0, instanceID: row["instance_id"],
                            reason: "completed", durationMilliseconds: row["duration_ms"].flatMap { Int($0) }))
                }
            }
            try results.write(on: connection)
            try events.write(on: connection)
            // One NOTIFY per commit, delivered at commit: a controller held back by a cap schedules now.
            if notifyFreed, !completed.isEmpty { try connection.notify(freed) }
            return (completed: completed, made: made)
        }
        guard let outcome else {
            return try await committedEarlier(
                items.map { ($0.id, $0.attempt, $0.instanceID) }, of: .completion, token: token)
        }
        report(outcome.made)
        return outcome.completed
    }

    /// `completeSQL`'s parameters for `blocks` (sorted by id) and the `memory` entries learned (sorted by key, one
    /// per key). The arrays go in binary: the translations are long and full of quotes, and parsing them as array
    /// literals was the server's largest single cost after the writes. The records go with the results
    /// (`StoredResults`).
    static func completeParameters(_ blocks: [CompletedBlock], memory: [(key: String, translation: String)] = [])
        -> [PostgresParameter]
    {
        [
            .textArray(blocks.map(\.id)), .intArray(blocks.map(\.attempt)), .textArray(blocks.map(\.instanceID)),
            .bigintArray(blocks.map { Int64($0.inputTokens) }), .bigintArray(blocks.map { Int64($0.outputTokens) }),
            .bigintArray(blocks.map(\.costMicros)), .textArray(blocks.map(\.currency)),
            .text(Self.spendStripe(blocks.first?.instanceID)), .intArray(blocks.map(\.segmentsTranslated)),
            .intArray(blocks.map(\.segmentsReused)), .textArray(blocks.map(\.pipeline)),
            .bigintArray(blocks.map(\.revision)), .textArray(memory.map(\.key)), .textArray(memory.map(\.translation)),
        ]
    }

    /// The completion's transaction plans its statements once per session and keeps the plan, and that plan
    /// joins the batch to `blocks` by primary key whatever the statistics say.
    ///
    /// - *Planned once.* A completion is one large statement (five parts, five tables) run for a few hundred blocks;
    ///   planning it again at every commit, with the batch's arrays in hand, cost 2.4 µs a block (`tradu-bench
    ///   run`, 2026-12-06). Its plan does not depend on the parameters: each part reads the batch's arrays once,
    ///   and every table it touches is reached by key.
    /// - *By key, whatever the statistics.* A plan kept for the session is made from the statistics of its first
    ///   commit, perhaps of a table still nearly empty before a large apply, where a hash join over a scan of
    ///   `blocks` looks cheap; until the next analyse, every commit would then read the whole table. With
    ///   sequential scans, hash joins and merge joins off for the transaction, the only plan left is the one the
    ///   statement is written for: a nested loop over the batch, probing `blocks_pkey` (`WorkerStoreTests`,
    ///   `aCompletionKeepsOnePlanThatProbesThePrimaryKey`). The small `rollouts` table is then read through the
    ///   index on its active rollouts.
    static let completionPlan = [
        PostgresSetting("plan_cache_mode", "force_generic_plan"), PostgresSetting("enable_seqscan", "off"),
        PostgresSetting("enable_hashjoin", "off"), PostgresSetting("enable_mergejoin", "off"),
    ]

    static let completeSQL = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
                                 $7::text[], $9::int[], $10::int[], $11::text[], $12::bigint[])
                AS i (id, attempt, instance_id, input_tokens, output_tokens, cost, currency, translated, reused, pipeline,
                      revision)
        ), done AS (
            UPDATE blocks b
            SET state = 'completed', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL,
                updated_at = now(),
                -- The active rollouts are read once and hashed (an uncorrelated IN), not looked up per block.
                result_spec = CASE WHEN (b.pipeline, b.spec_hash) IN (
                                       SELECT o.pipeline, o.canary_spec_hash FROM rollouts o
                                       WHERE o.phase IN ('progressing', 'analyzing', 'paused'))
                                   THEN b.result_spec ELSE b.spec_hash END
            FROM input i
            WHERE b.id = i.id AND b.attempt = i.attempt AND \(RuntimeSQL.heldBy("b", "i.instance_id"))
                AND \(RuntimeSQL.unindexedState("b")) IN (\(RuntimeSQL.sources(of: .completed, cause: .worker)))
            RETURNING b.id, b.key, b.pipeline, b.revision, b.target_language, b.attempt, b.spec_hash, i.instance_id,
                      i.currency, i.reused, (extract(epoch FROM now() - b.started_at) * 1000)::bigint AS duration_ms,
                      clock_timestamp() AS at
        ), spent AS (
            -- What every attempt cost, fenced or not, under the revision its worker claimed the block under (for a
            -- completion the fence accepts, the block's current one: every change of a block's revision also
            -- resets its state), or from the block's row (the statement's snapshot: as it was before `done`) when
            -- the worker did not say; segments reused count for completed attempts only. Plain parts summed, not
            -- "input without done": the planner thinks `done` holds one row and would scan it once per input row
            -- (quadratic in the batch).
            INSERT INTO spend AS s (pipeline, revision, slot, currency, input_tokens, output_tokens, cost_micros,
                                    attempts, failed_attempts, segments_translated, segments_reused)
            SELECT a.pipeline, a.revision, $8::int, max(a.currency), sum(a.input_tokens), sum(a.output_tokens),
                   sum(a.cost), sum(a.attempts), 0, sum(a.translated), sum(a.reused)
            FROM (
                SELECT i.pipeline, i.revision, i.currency, i.input_tokens, i.output_tokens, i.cost, 1 AS attempts,
                       i.translated, 0 AS reused
                FROM input i WHERE i.revision IS NOT NULL
                UNION ALL
                SELECT b.pipeline, b.revision, i.currency, i.input_tokens, i.output_tokens, i.cost, 1, i.translated, 0
                FROM input i JOIN blocks b ON b.id = i.id WHERE i.revision IS NULL
                UNION ALL
                SELECT pipeline, revision, currency, 0, 0, 0, 0, 0, reused FROM done
            ) a
            GROUP BY a.pipeline, a.revision
            ORDER BY a.pipeline, a.revision
            \(spendConflict)
        ), learned AS (
            -- The translation memory, in the same statement: one statement and one round trip less per commit.
            -- A completion may wait here for a key another completion inserted and has not committed, while holding
            -- its own blocks' rows. No cycle can close: every completion is this statement, so PostgreSQL runs its
            -- parts in the same order in each (blocks, disjoint between workers; memory keys, in key order; then its
            -- `spend` stripe; its results and events follow by `COPY`), and a deadlock, should one ever come, is
            -- retried as a conflict.
            INSERT INTO translation_memory (key, translation)
            SELECT key, translation FROM unnest($13::text[], $14::text[]) AS m (key, translation) ORDER BY key
            ON CONFLICT (key) DO NOTHING
        )
        -- Whether the block has a result for its spec already (it was reprocessed under the same spec): that result
        -- is replaced, the others are added (`StoredResults`).
        SELECT d.id, d.key, d.pipeline, d.target_language, d.spec_hash, d.attempt, d.instance_id, d.duration_ms, d.at,
               EXISTS (SELECT 1 FROM results r WHERE r.block_id = d.id AND r.spec_hash = d.spec_hash) AS has_result
        FROM done d
        """

    /// Every failed attempt's tokens and cost, fenced or not (a refused outcome was paid for too), added to the
    /// worker's stripe of `spend` under the revision that last planned each block, in the outcome's transaction.
    /// (Completions do the same inside `completeSQL`.)
    static let spendSQL = """
        INSERT INTO spend AS s (pipeline, revision, slot, currency, input_tokens, output_tokens, cost_micros, attempts,
                                failed_attempts)
        SELECT b.pipeline, b.revision, $7::int, max(i.currency), sum(i.input_tokens), sum(i.output_tokens),
               sum(i.cost), count(*), count(*) FILTER (WHERE i.failed)
        FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::boolean[])
            AS i (id, input_tokens, output_tokens, cost, currency, failed)
        JOIN blocks b ON b.id = i.id
        GROUP BY b.pipeline, b.revision
        ORDER BY b.pipeline, b.revision
        \(spendConflict)
        """

    /// Adds to the stripe's running totals (`INSERT INTO spend AS s ... ` then this).
    static let spendConflict = """
        ON CONFLICT (pipeline, revision, slot) DO UPDATE
            SET input_tokens = s.input_tokens + EXCLUDED.input_tokens,
                output_tokens = s.output_tokens + EXCLUDED.output_tokens,
                cost_micros = s.cost_micros + EXCLUDED.cost_micros, attempts = s.attempts + EXCLUDED.attempts,
                failed_attempts = s.failed_attempts + EXCLUDED.failed_attempts,
                segments_translated = s.segments_translated + EXCLUDED.segments_translated,
                segments_reused = s.segments_reused + EXCLUDED.segments_reused,
                currency = CASE WHEN EXCLUDED.currency = '' THEN s.currency ELSE EXCLUDED.currency END
        """

    /// The stripe of `spend` a worker writes.
    static func spendStripe(_ instanceID: String?) -> String {
        String(ContentHash.fnv1a(instanceID ?? "") % spendStripes)
    }

    /// Stripes of `spend` a worker may write: its instance id picks one, so parallel commits rarely share a row.
    static let spendStripes: UInt64 = 16

    static func spendParameters(
        _ items: [(id: String, input: Int, output: Int, cost: Int64, currency: String, failed: Bool)],
        instanceID: String?
    ) -> [String?] {
        [
            SQLText.arrayLiteral(items.map(\.id)), SQLText.arrayLiteral(items.map { String($0.input) }),
            SQLText.arrayLiteral(items.map { String($0.output) }), SQLText.arrayLiteral(items.map { String($0.cost) }),
            SQLText.arrayLiteral(items.map(\.currency)), SQLText.arrayLiteral(items.map { $0.failed ? "t" : "f" }),
            spendStripe(instanceID),
        ]
    }

    /// Records failed attempts: with `retryAfter` the block goes back to the queue at now + delay, without it
    /// the block is dead-lettered (`failed`). Either way the error is appended to the block's history (`errors`)
    /// and becomes its `error_class` / `last_error`. Fenced like `complete`; returns the ids changed.
    /// `token`: as `complete`'s.
    public func fail(_ items: [FailedAttempt], notifyFreed: Bool = true, token: UUID? = nil) async throws -> Set<String>
    {
        guard !items.isEmpty else { return [] }
        let failures = items.sorted { $0.id < $1.id }
        let parameters: [String?] = [
            SQLText.arrayLiteral(failures.map(\.id)), RuntimeSQL.intArray(failures.map(\.attempt)),
            SQLText.arrayLiteral(failures.map(\.instanceID)), SQLText.arrayLiteral(failures.map(\.errorClass)),
            SQLText.arrayLiteral(failures.map(\.message)),
            SQLText.arrayLiteral(failures.map { $0.retryAfter.map(RuntimeSQL.microseconds) }),
        ]
        let sql = Self.failSQL
        let freed = freedChannel
        let spend = Self.spendParameters(
            failures.map { ($0.id, $0.inputTokens, $0.outputTokens, $0.costMicros, $0.currency, true) },
            instanceID: failures.first?.instanceID)
        let from = BlockLifecycle.sources(of: .failed, cause: .retry).first
        let committer = committer
        let made = try await retryingConflicts { connection -> [BlockTransition]? in
            if let token, try !Self.markCommit(token, committer: committer, on: connection) { return nil }
            let made = try connection.query(sql, parameters).map { row in
                let to = row["state"].flatMap(BlockState.init(rawValue:)) ?? .failed
                return BlockTransition(
                    blockID: try row.required("block_id"), pipeline: row["pipeline"] ?? "", from: from, to: to,
                    attempt: row["attempt"].flatMap { Int($0) } ?? 0, instanceID: row["instance_id"],
                    reason: to == .failed ? "failed for good" : "retry scheduled", errorClass: row["error_class"],
                    error: row["message"], durationMilliseconds: row["duration_ms"].flatMap { Int($0) })
            }
            try connection.query(Self.spendSQL, spend)
            if notifyFreed, !made.isEmpty { try connection.notify(freed) }
            return made
        }
        guard let made else {
            return try await committedEarlier(
                items.map { ($0.id, $0.attempt, $0.instanceID) }, of: .failure, token: token)
        }
        report(made)
        return Set(made.map(\.blockID))
    }

    private static let failSQL = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[])
                AS i (id, attempt, instance_id, error_class, message, delay)
        ), changed AS (
            UPDATE blocks b
            SET state = CASE WHEN i.delay IS NULL THEN 'failed' ELSE 'enqueued' END,
                run_at = CASE WHEN i.delay IS NULL THEN b.run_at
                              ELSE now() + i.delay * interval '1 microsecond' END,
                enqueued_at = CASE WHEN i.delay IS NULL THEN b.enqueued_at ELSE now() END,
                finished_at = CASE WHEN i.delay IS NULL THEN now() END,
                lease_owner = NULL, lease_expires_at = NULL, error_class = i.error_class, last_error = i.message,
                errors = b.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', b.attempt, 'class', i.error_class, 'message', i.message, 'at', now())),
                updated_at = now()
            FROM input i
            WHERE b.id = i.id AND b.attempt = i.attempt AND \(RuntimeSQL.heldBy("b", "i.instance_id"))
                AND ((i.delay IS NULL
                      AND \(RuntimeSQL.unindexedState("b")) IN (\(RuntimeSQL.sources(of: .failed, cause: .retry))))
                     OR (i.delay IS NOT NULL
                         AND \(RuntimeSQL.unindexedState("b")) IN (\(RuntimeSQL.sources(of: .enqueued, cause: .retry)))))
            RETURNING b.id, b.key, b.pipeline, b.state, b.attempt, i.instance_id, i.error_class, i.message,
                      (extract(epoch FROM now() - b.started_at) * 1000)::bigint AS duration_ms
        ), logged AS (
            INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason,
                                      error_class, error)
            SELECT id, key, \(RuntimeSQL.onlySource(of: .failed, cause: .retry)), state, instance_id, attempt,
                   CASE WHEN state = 'failed' THEN 'failed for good' ELSE 'retry scheduled' END, error_class, message
            FROM changed
        )
        SELECT id AS block_id, pipeline, state, attempt, instance_id, error_class, message, duration_ms FROM changed
        """

    /// The blocks leased to `instanceID` now, with their attempts (`StrayLeaseCheck`: a worker compares them with
    /// what it holds). Reads `blocks_lease_owner`.
    public func leasedBlocks(instanceID: String) async throws -> [(id: String, attempt: Int)] {
        try await connection.query(
            "SELECT id, attempt FROM blocks WHERE state = 'in_process' AND lease_owner = $1 ORDER BY id", [instanceID]
        ).map { row in (id: try row.required("id"), attempt: try row.required("attempt", Int.init)) }
    }

    /// Which of these outcomes the log already holds: the blocks with an event out of `in_process` at that
    /// attempt, by that instance, with the reason `completeSQL` (`failSQL`, `enterProviderBatches`) logs. A worker
    /// whose commit broke off learns from its commit mark that the transaction committed (`markCommit`); this
    /// then says which of its outcomes the fence accepted, to count them as done rather than lost. Reads the
    /// log's indexes by block, a few entries a block, in both of the log's forms (`EventLogSQL`).
    public func loggedOutcomes(
        _ outcomes: [(id: String, attempt: Int, instanceID: String)], of kind: OutcomeKind
    ) async throws -> Set<String> {
        let reasons =
            switch kind {
            case .completion: ["completed"]
            case .failure: ["retry scheduled", "failed for good"]
            case .providerBatch: [Self.sentToProviderBatch]
            }
        guard !outcomes.isEmpty else { return [] }
        let parameters: [String?] = [
            SQLText.arrayLiteral(outcomes.map(\.id)), RuntimeSQL.intArray(outcomes.map(\.attempt)),
            SQLText.arrayLiteral(outcomes.map(\.instanceID)), SQLText.arrayLiteral(reasons),
        ]
        // Chunked events are found through a GIN index, which only a bitmap scan reads: the claiming store turns
        // those off (`preferOrderedIndexScans`), so this look-up turns them back on for its own transaction.
        let ids = try await connection.transaction(settings: [PostgresSetting("enable_bitmapscan", "on")]) {
            connection in
            try connection.query(
                """
                SELECT DISTINCT i.id
                FROM unnest($1::text[], $2::int[], $3::text[]) AS i (id, attempt, instance_id)
                JOIN \(EventLogSQL.eventsOfBlocks("$1::text[]")) AS e ON e.block_id = i.id
                WHERE e.attempt = i.attempt AND e.instance_id = i.instance_id AND e.from_state = 'in_process'
                    AND e.reason = ANY ($4::text[])
                """, parameters
            ).map { try $0.required("id") as String }
        }
        return Set(ids)
    }

    /// Gives blocks back to the queue, due now (graceful shutdown). Fenced like `complete`. The attempt it
    /// consumed is not counted against the block's retry budget (`attempt_base` moves up with it): stopping a
    /// worker is no fault of the block. Wakes the other workers. Returns the ids released.
    @discardableResult
    public func release(instanceID: String, held: [(id: String, attempt: Int)], reason: String) async throws
        -> Set<String>
    {
        guard !held.isEmpty else { return [] }
        let sorted = held.sorted { $0.id < $1.id }
        let parameters: [String?] = [
            instanceID, SQLText.arrayLiteral(sorted.map(\.id)), RuntimeSQL.intArray(sorted.map(\.attempt)), reason,
        ]
        let channel = workChannel
        let from = BlockLifecycle.sources(of: .enqueued, cause: .worker).first
        let made = try await retryingConflicts { connection in
            let made = try connection.query(
                """
                WITH changed AS (
                    UPDATE blocks b
                    SET state = 'enqueued', run_at = now(), enqueued_at = now(), attempt_base = b.attempt_base + 1,
                        lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                    FROM unnest($2::text[], $3::int[]) AS h (id, attempt)
                    WHERE b.id = h.id AND b.attempt = h.attempt AND b.lease_owner = $1
                        AND b.state IN (\(RuntimeSQL.sources(of: .enqueued, cause: .worker)))
                    RETURNING b.id, b.key, b.pipeline, b.attempt
                ), logged AS (
                    INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason)
                    SELECT id, key, \(RuntimeSQL.onlySource(of: .enqueued, cause: .worker)), 'enqueued', $1, attempt,
                           $4
                    FROM changed
                )
                SELECT id, pipeline, attempt FROM changed
                """, parameters
            ).map { row in
                BlockTransition(
                    blockID: try row.required("id"), pipeline: row["pipeline"] ?? "", from: from, to: .enqueued,
                    attempt: row["attempt"].flatMap { Int($0) } ?? 0, instanceID: instanceID, reason: reason)
            }
            if !made.isEmpty { try connection.notify(channel) }
            return made
        }
        report(made)
        return Set(made.map(\.blockID))
    }

    // MARK: Translation memory

    /// Entries of `translation_memory`, then results that stand as the entry of their block's one unit (migration
    /// 26), found through `results_memory` and read by `memoryTranslation(inRecords:)`.
    static let memoryLookupSQL = """
        SELECT key, translation, NULL AS records FROM translation_memory WHERE key = ANY($1::text[])
        UNION ALL
        SELECT memory_key, NULL, records FROM results WHERE memory_key = ANY($1::text[])
        """

    /// The lookup probes `translation_memory_pkey` and `results_memory` for each key, with one plan per session.
    /// Planned with the keys in hand, a claim's few hundred keys against a memory of 20,000 entries looked like 2% of
    /// the table and took a sequential scan (3.8 ms against 1.0 ms by the index, 4.0 against 1.5 µs a block in a run); a plan
    /// kept for the session and made while the table was empty was a sequential scan for good (175 µs a block,
    /// 2026-12-06). Sequential scans off leave the index scan whatever the table's size or statistics; the claiming
    /// store has bitmap scans off already, and a store without would take a bitmap scan of the same index.
    static let memoryLookupPlan = [
        PostgresSetting("plan_cache_mode", "force_generic_plan"), PostgresSetting("enable_seqscan", "off"),
    ]

    /// The stored translations of the given keys (unknown keys are absent).
    public func lookupMemory(keys: [String]) async throws -> [String: String] {
        guard !keys.isEmpty else { return [:] }
        let parameters = [SQLText.arrayLiteral(keys)]
        let rows = try await connection.transaction(settings: Self.memoryLookupPlan) { connection in
            try connection.query(Self.memoryLookupSQL, parameters)
        }
        var found: [String: String] = [:]
        found.reserveCapacity(rows.count)
        for row in rows {
            guard let key = row["key"] else { continue }
            // A memory row answers before a result, in whatever order the two parts' rows arrive.
            if let translation = row["translation"] {
                found[key] = translation
            } else if found[key] == nil, let records = row["records"],
                let translation = Self.memoryTranslation(inRecords: records)
            {
                found[key] = translation
            }
        }
        return found
    }

    /// The translation a result holds for its block's one unit: the `translation` of its one record. Nil when the
    /// result holds no record or several (an erasure may have taken its document out since), or a record without
    /// a translation.
    static func memoryTranslation(inRecords records: String) -> String? {
        var records = records
        return records.withUTF8 { bytes -> String? in
            var end = bytes.count
            while end > 0, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[..<end])
            guard !line.isEmpty, !line.contains(UInt8(ascii: "\n")) else { return nil }
            if let members = FlatStringObject.members(line) {
                return members.last(where: { $0.key == "translation" })?.value
            }
            let object = try? JSONSerialization.jsonObject(with: Data(buffer: line)) as? [String: Any]
            return object?["translation"] as? String
        }
    }
}
