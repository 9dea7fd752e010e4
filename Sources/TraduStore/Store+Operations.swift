import TraduCore
import TraduPostgres

// Operator commands (`tradu retry`, `tradu cancel`, `tradu blocks list`, `tradu trace`, `tradu export`) and the
// controller's status rows.

extension Store {
    // MARK: Cancel and retry

    /// Cancels the given blocks from any state the operator may cancel from (any non-final state, and
    /// `failed`); others are left alone. One event each, with `reason`. Returns how many were cancelled.
    @discardableResult
    public func cancelBlocks(ids: [String], reason: String = "cancelled by an operator") async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let states = BlockLifecycle.sources(of: .cancelled, cause: .operatorAction)
        return try await cancel(where: "b.id = ANY($1::text[])", states: states, [SQLText.arrayLiteral(ids), reason])
    }

    /// Cancels the pipeline's blocks in `states` (names of `BlockState`; states the operator may not cancel
    /// from are ignored). Returns how many were cancelled.
    @discardableResult
    public func cancelBlocks(pipeline: String, states: [BlockState], reason: String = "cancelled by an operator")
        async throws -> Int
    {
        let legal = RuntimeSQL.legalSources(states, to: .cancelled, cause: .operatorAction)
        guard !legal.isEmpty else { return 0 }
        return try await cancel(where: "b.pipeline = $1", states: legal, [pipeline, reason])
    }

    /// Sends the given `failed` or `cancelled` blocks back to the queue, due now, with a fresh retry budget
    /// (`attempt_base = attempt`); their error history stays. Blocks of pipelines no longer applied are left
    /// alone. Returns how many were enqueued.
    @discardableResult
    public func retryBlocks(ids: [String], reason: String = "retried by an operator") async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let states = BlockLifecycle.sources(of: .enqueued, cause: .operatorAction)
        return try await retry(where: "b.id = ANY($1::text[])", states: states, [SQLText.arrayLiteral(ids), reason])
    }

    /// Sends the pipeline's blocks in `states` (`failed` and/or `cancelled`; others are ignored) back to the
    /// queue like `retryBlocks(ids:)`.
    @discardableResult
    public func retryBlocks(
        pipeline: String, states: [BlockState] = [.failed], reason: String = "retried by an operator"
    )
        async throws -> Int
    {
        let legal = RuntimeSQL.legalSources(states, to: .enqueued, cause: .operatorAction)
        guard !legal.isEmpty else { return 0 }
        return try await retry(where: "b.pipeline = $1", states: legal, [pipeline, reason])
    }

    private func cancel(where predicate: String, states: [BlockState], _ parameters: [String?]) async throws -> Int {
        try await operatorTransition(
            where: predicate, states: states, to: .cancelled,
            set: "lease_owner = NULL, lease_expires_at = NULL, finished_at = now()", parameters)
    }

    private func retry(where predicate: String, states: [BlockState], _ parameters: [String?]) async throws -> Int {
        try await operatorTransition(
            where: predicate + " AND EXISTS (SELECT FROM pipelines p WHERE p.name = b.pipeline)", states: states,
            to: .enqueued,
            set: """
                attempt_base = b.attempt, run_at = now(), enqueued_at = now(), finished_at = NULL,
                lease_owner = NULL, lease_expires_at = NULL
                """, parameters)
    }

    /// Moves the blocks matching `predicate` (over `blocks b`, with `$1`) and in one of `states` to `to`, setting
    /// `set` as well, with one event each whose reason is `$2`. One statement; workers are woken when blocks
    /// were enqueued. Returns how many moved.
    private func operatorTransition(
        where predicate: String, states: [BlockState], to: BlockState, set: String, _ parameters: [String?]
    ) async throws -> Int {
        let sql = """
            WITH prior AS (
                SELECT b.id, b.pipeline, b.state, b.attempt FROM blocks b
                WHERE \(predicate) AND b.state IN (\(RuntimeSQL.list(states)))
                ORDER BY b.id
                FOR UPDATE OF b
            ), changed AS (
                UPDATE blocks b SET state = '\(to.rawValue)', \(set), updated_at = now()
                FROM prior p WHERE b.id = p.id
                RETURNING b.id, b.key
            ), logged AS (
                INSERT INTO block_events (block_id, block_key, from_state, to_state, attempt, reason)
                SELECT p.id, c.key, p.state, '\(to.rawValue)', p.attempt, $2 FROM prior p JOIN changed c ON c.id = p.id
            )
            SELECT p.id, p.pipeline, p.state, p.attempt FROM prior p JOIN changed c ON c.id = p.id ORDER BY p.id
            """
        let channel = to == .enqueued ? workChannel : nil
        let reason = parameters.count > 1 ? parameters[1] ?? "" : ""
        let made = try await retryingConflicts { connection in
            let made = try connection.query(sql, parameters).map { row in
                BlockTransition(
                    blockID: try row.required("id"), pipeline: row["pipeline"] ?? "",
                    from: row["state"].flatMap(BlockState.init(rawValue:)), to: to,
                    attempt: row["attempt"].flatMap { Int($0) } ?? 0, instanceID: nil, reason: reason)
            }
            if !made.isEmpty, let channel { try connection.notify(channel) }
            return made
        }
        report(made)
        return made.count
    }

    // MARK: Reading

    /// Blocks matching every given filter, most recently changed first.
    public func listBlocks(
        state: BlockState? = nil, pipeline: String? = nil, errorClass: ErrorClass? = nil, limit: Int = 100
    ) async throws -> [BlockSummary] {
        let rows = try await connection.query(
            """
            SELECT id, pipeline, target_language, state, attempt, attempt_base, error_class, last_error,
                   \(SQLText.rfc3339("updated_at")) AS updated_at
            FROM blocks
            WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR pipeline = $2)
                AND ($3::text IS NULL OR error_class = $3)
            ORDER BY blocks.updated_at DESC, id
            LIMIT $4::int
            """, [state?.rawValue, pipeline, errorClass?.rawValue, String(max(0, limit))])
        return try rows.map { row in
            BlockSummary(
                id: try row.required("id"), pipeline: try row.required("pipeline"),
                targetLanguage: try row.required("target_language"),
                state: try row.required("state", BlockState.init(rawValue:)),
                attempt: try row.required("attempt", Int.init), attemptBase: try row.required("attempt_base", Int.init),
                errorClass: row["error_class"], lastError: row["last_error"], updatedAt: try row.required("updated_at"))
        }
    }

    /// Every state change of one block, oldest first (`tradu trace`).
    public func events(blockID: String) async throws -> [BlockEvent] {
        let rows = try await connection.query(
            """
            SELECT id, block_id, from_state, to_state, instance_id, attempt, reason, error_class, error,
                   \(RuntimeSQL.rfc3339Milliseconds("at")) AS at
            FROM \(EventLogSQL.eventsOfBlocks("ARRAY[$1::text]")) AS e ORDER BY id
            """, [blockID])
        return try rows.map { row in
            BlockEvent(
                sequence: try row.required("id", Int64.init), blockID: try row.required("block_id"),
                fromState: try row["from_state"].map { _ in try row.required("from_state", BlockState.init(rawValue:))
                },
                toState: try row.required("to_state", BlockState.init(rawValue:)), instanceID: row["instance_id"],
                attempt: try row.required("attempt", Int.init), reason: row["reason"], errorClass: row["error_class"],
                error: row["error"], at: try row.required("at"))
        }
    }

    /// Every current result, in the same order as `results(pipeline:)`, `batchSize` at a time through a server-side
    /// cursor in one repeatable-read transaction: one snapshot and one sort, and only a batch in memory however many
    /// blocks there are (`tradu export`, the sinks).
    ///
    /// A result stored without its documents' source (`ResultRecords`) comes with its block's content, read by the
    /// same statement, and leaves with the source merged back. A record without the `","source":"` boundary anywhere
    /// lacks it on every line (JSON escapes the quotes inside a string), so only those records take the content.
    /// With every record holding its source the join cost nothing measurable, and with none it takes about a third
    /// of what one more statement a batch would (2026-12-07, `docs/ARCHITECTURE.md`).
    public func forEachResultBatch(
        pipeline: String?, batchSize: Int = 1000, _ body: @escaping @Sendable ([ResultRow]) throws -> Void
    ) async throws {
        let filter = try pipeline.map { "AND b.pipeline = \(try PostgresQuoting.literal($0))" } ?? ""
        try await forEachRowBatch(
            """
            SELECT r.block_id, r.pipeline, r.target_language, b.ordinal, r.records,
                   CASE WHEN strpos(r.records, '","source":"') = 0 THEN c.records END AS content
            FROM blocks b JOIN results r ON r.block_id = b.id AND r.spec_hash = b.result_spec
                LEFT JOIN block_contents c ON c.hash = b.block_hash
            WHERE b.state <> 'cancelled' \(filter)
            ORDER BY r.pipeline, r.target_language, b.ordinal, r.block_id
            """, batchSize: max(1, batchSize), isolation: .repeatableRead, into: ()
        ) { _, rows in
            try body(
                try rows.map { row in
                    var result = try Self.resultRow(row)
                    if let content: String = row["content"], ResultRecords.lackSource(result.records) {
                        result.records = ResultRecords.withSources(result.records, content: content)
                    }
                    return result
                })
        }
    }

    /// The current results (of one pipeline, or all), in export order: pipeline, target language, dataset order
    /// (ordinal, then block id). A block being reprocessed, by a rollout or not, keeps serving its current
    /// result until a new one replaces it; cancelled blocks are not exported.
    public func results(pipeline: String? = nil) async throws -> [ResultRow] {
        let rows = try await connection.query(
            """
            SELECT r.block_id, r.pipeline, r.target_language, b.ordinal, r.records
            FROM blocks b JOIN results r ON r.block_id = b.id AND r.spec_hash = b.result_spec
            WHERE b.state <> 'cancelled' AND ($1::text IS NULL OR b.pipeline = $1)
            ORDER BY r.pipeline, r.target_language, b.ordinal, r.block_id
            """, [pipeline])
        return try await withSources(try rows.map(Self.resultRow))
    }

    private static func resultRow(_ row: PostgresRow) throws -> ResultRow {
        ResultRow(
            blockID: try row.required("block_id"), pipeline: try row.required("pipeline"),
            targetLanguage: try row.required("target_language"), ordinal: try row.required("ordinal", Int.init),
            records: try row.required("records"))
    }

    // MARK: Status

    /// Upserts per-pipeline status rows in one statement. Each condition carries `lastTransitionTime`
    /// (Kubernetes' meaning): kept from the stored condition of the same type while its status is unchanged, now
    /// when it changed. Promotion soak and the console read it.
    public func writeStatus(_ rows: [PipelineStatusRow]) async throws {
        guard !rows.isEmpty else { return }
        try await connection.query(
            """
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::bigint[])
                    AS i (pipeline, counts, conditions, observed_generation)
            ), stamped AS (
                SELECT i.pipeline, i.counts, i.observed_generation,
                       coalesce((
                           SELECT jsonb_agg(c || jsonb_build_object('lastTransitionTime', coalesce(
                               (SELECT o->>'lastTransitionTime' FROM jsonb_array_elements(s.conditions) o
                                WHERE o->>'type' = c->>'type' AND o->>'status' = c->>'status'),
                               \(SQLText.rfc3339("now()")))) ORDER BY n)
                           FROM jsonb_array_elements(i.conditions) WITH ORDINALITY AS e (c, n)), '[]') AS conditions
                FROM input i LEFT JOIN pipeline_status s ON s.pipeline = i.pipeline
            )
            INSERT INTO pipeline_status AS s (pipeline, counts, conditions, observed_generation)
            SELECT pipeline, counts, conditions, observed_generation FROM stamped
            ON CONFLICT (pipeline) DO UPDATE
                SET counts = EXCLUDED.counts, conditions = EXCLUDED.conditions,
                    observed_generation = EXCLUDED.observed_generation, updated_at = now()
            """,
            [
                SQLText.arrayLiteral(rows.map(\.pipeline)), SQLText.arrayLiteral(rows.map(\.counts)),
                SQLText.arrayLiteral(rows.map(\.conditions)),
                SQLText.arrayLiteral(rows.map { String($0.observedGeneration) }),
            ])
    }

    /// Every pipeline's last written status, by pipeline name.
    public func statuses() async throws -> [PipelineStatusRow] {
        let rows = try await connection.query(
            """
            SELECT pipeline, counts::text AS counts, conditions::text AS conditions, observed_generation,
                   \(SQLText.rfc3339("updated_at")) AS updated_at
            FROM pipeline_status ORDER BY pipeline
            """)
        return try rows.map { row in
            PipelineStatusRow(
                pipeline: try row.required("pipeline"), counts: try row.required("counts"),
                conditions: try row.required("conditions"),
                observedGeneration: try row.required("observed_generation", Int64.init),
                updatedAt: try row.required("updated_at"))
        }
    }
}
