import TraduCore
import TraduPostgres

// Canary rollouts (DESIGN §3c): the rollouts, their deterministic samples, analyses and transitions. Every
// transition is conditional on the state it starts from, so two controllers (or a controller and an operator)
// never both apply one: the second finds the rollout moved and changes nothing.

extension Store {
    /// The latest rollout of every pipeline that had one.
    public func latestRollouts() async throws -> [RolloutRecord] {
        try await connection.query(
            """
            SELECT DISTINCT ON (pipeline) \(RolloutSQL.columns) FROM rollouts ORDER BY pipeline, id DESC
            """
        ).map(RolloutSQL.record)
    }

    /// Whether a rollout is progressing or analysing: work remains even when every block is final.
    public func hasRolloutInMotion() async throws -> Bool {
        try await connection.query(
            "SELECT EXISTS (SELECT 1 FROM rollouts WHERE phase IN ('progressing', 'analyzing')) AS busy"
        ).first?["busy"] == "t"
    }

    /// Every rollout of one pipeline (or all), newest first.
    public func rollouts(pipeline: String? = nil, limit: Int = 50) async throws -> [RolloutRecord] {
        try await connection.query(
            """
            SELECT \(RolloutSQL.columns) FROM rollouts WHERE $1::text IS NULL OR pipeline = $1
            ORDER BY id DESC LIMIT $2::int
            """, [pipeline, String(limit)]
        ).map(RolloutSQL.record)
    }

    public func rollout(id: Int64) async throws -> RolloutRecord? {
        try await connection.query("SELECT \(RolloutSQL.columns) FROM rollouts WHERE id = $1::bigint", [String(id)])
            .first.map(RolloutSQL.record)
    }

    public func rolloutAnalyses(rolloutID: Int64) async throws -> [RolloutAnalysisRecord] {
        try await connection.query(
            """
            SELECT step, run, outcome, summary, blocks, figures::text AS figures, \(SQLText.rfc3339("at")) AS at
            FROM rollout_analyses WHERE rollout_id = $1::bigint ORDER BY id
            """, [String(rolloutID)]
        ).map { row in
            RolloutAnalysisRecord(
                step: try row.required("step", Int.init), run: try row.required("run", Int.init),
                outcome: try row.required("outcome"), summary: try row.required("summary"),
                blocks: try row.required("blocks", Int.init), figures: try row.required("figures"),
                at: try row.required("at"))
        }
    }

    public func rolloutEvents(rolloutID: Int64) async throws -> [RolloutEventRecord] {
        try await connection.query(
            """
            SELECT from_phase, to_phase, step, actor, message, \(SQLText.rfc3339("at")) AS at
            FROM rollout_events WHERE rollout_id = $1::bigint ORDER BY id
            """, [String(rolloutID)]
        ).map { row in
            RolloutEventRecord(
                fromPhase: row["from_phase"], toPhase: try row.required("to_phase"),
                step: try row.required("step", Int.init), actor: try row.required("actor"), message: row["message"],
                at: try row.required("at"))
        }
    }

    /// The sample's block ids, in the order they were chosen (step, then the sample order).
    public func rolloutSampleIDs(rolloutID: Int64) async throws -> [String] {
        try await connection.query(
            """
            SELECT rb.block_id FROM rollout_blocks rb JOIN blocks b ON b.id = rb.block_id
            WHERE rb.rollout_id = $1::bigint ORDER BY rb.step, b.block_hash, b.id
            """, [String(rolloutID)]
        ).compactMap { $0["block_id"] }
    }

    /// Starts the rollout's current step (its blocks are then attributed to the rollout's revision, for cost): tops
    /// its sample up to `spec.sampleSize` of the pipeline's blocks (lowest
    /// in `RolloutSampleOrder`), and sends every sample block not yet reprocessed in this run back to `created`
    /// under the new spec. Returns how many blocks it sent, or nil when the rollout moved (another controller
    /// started the step, or an operator changed it) and nothing was written.
    public func startRolloutStep(_ rollout: RolloutRecord, actor: String) async throws -> Int? {
        let state = rollout.state
        let step = state.step
        let spec = rollout.spec
        let share = RolloutSpec.percentText(spec.steps[min(step, spec.lastStep)])
        let reason =
            "rollout step \(step + 1)/\(spec.steps.count) (\(share)): spec changed: "
            + rollout.changedFields.joined(separator: ", ")
        let reporting = reportsSuccessPath
        do {
            let (sent, made) = try await connection.transaction { connection -> (Int, [BlockTransition]) in
                let moved = try connection.query(
                    """
                    UPDATE rollouts SET step_started = true, updated_at = now()
                    WHERE id = $1::bigint AND phase = 'progressing' AND step = $2::int AND run = $3::int
                        AND NOT step_started
                    RETURNING id
                    """, [String(rollout.id), String(step), String(state.run)]
                ).isEmpty
                if moved { throw RolloutMoved() }
                let population = try connection.query(
                    "SELECT count(*) AS n FROM blocks WHERE pipeline = $1 AND state <> 'cancelled'",
                    [rollout.pipeline])[0].required("n", Int.init)
                let target = spec.sampleSize(step: step, population: population)
                try connection.query(
                    """
                    INSERT INTO rollout_blocks (rollout_id, block_id, step, run)
                    SELECT $1::bigint, b.id, $2::int, 0 FROM blocks b
                    WHERE b.pipeline = $3 AND b.state <> 'cancelled'
                        AND NOT EXISTS (
                            SELECT 1 FROM rollout_blocks rb WHERE rb.rollout_id = $1::bigint AND rb.block_id = b.id)
                    ORDER BY (b.result_spec IS NOT NULL AND b.result_spec = $4) DESC, b.block_hash, b.id
                    LIMIT greatest($5::int - (SELECT count(*) FROM rollout_blocks WHERE rollout_id = $1::bigint), 0)
                    """,
                    [String(rollout.id), String(step), rollout.pipeline, rollout.baselineSpecHash, String(target)])
                let rows = try connection.query(
                    """
                    WITH due AS (
                        SELECT block_id FROM rollout_blocks
                        WHERE rollout_id = $1::bigint AND run < $2::int
                        ORDER BY block_id FOR UPDATE
                    ), prior AS (
                        SELECT b.id, b.state FROM blocks b JOIN due d ON d.block_id = b.id
                        WHERE b.state <> 'cancelled'
                        ORDER BY b.id FOR UPDATE OF b
                    ), updated AS (
                        UPDATE blocks b
                        SET state = 'created', spec_hash = $3, attempt_base = b.attempt, lease_owner = NULL,
                            lease_expires_at = NULL, run_at = now(), updated_at = now(), revision = $6::bigint
                        FROM prior p WHERE b.id = p.id
                        RETURNING b.id, b.key, b.attempt
                    ), marked AS (
                        UPDATE rollout_blocks rb SET run = $2::int FROM due d
                        WHERE rb.rollout_id = $1::bigint AND rb.block_id = d.block_id
                    ), logged AS (
                        INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt,
                                                  reason)
                        SELECT p.id, u.key, p.state, 'created', $4, u.attempt, $5
                        FROM prior p JOIN updated u ON u.id = p.id
                        WHERE p.state <> 'created'
                        \(reporting ? "RETURNING block_id, from_state, to_state, instance_id, attempt, reason" : "")
                    )
                    SELECT (SELECT count(*) FROM updated) AS n, \(reporting ? "l.*" : "NULL AS block_id")
                    FROM (SELECT 1) AS one \(reporting ? "LEFT JOIN logged l ON true" : "")
                    """,
                    [
                        String(rollout.id), String(state.run), rollout.canarySpecHash, actor, reason,
                        String(rollout.revision),
                    ]
                )
                let sent = try rows[0].required("n", Int.init)
                let made = try BlockTransition.decoding(rows).map { transition in
                    var transition = transition
                    transition.pipeline = rollout.pipeline
                    return transition
                }
                var started = state
                started.stepStarted = true
                try RolloutSQL.event(
                    rolloutID: rollout.id, from: state, to: started, actor: actor,
                    message: "step \(step + 1) started: \(sent) blocks sent to be reprocessed", connection)
                return (sent, made)
            }
            report(made)
            return sent
        } catch is RolloutMoved {
            return nil
        }
    }

    /// The current step's sample: blocks not final yet, and all of them (cancelled ones excluded).
    public func rolloutSampleProgress(rolloutID: Int64) async throws -> (open: Int, total: Int) {
        let row = try await connection.query(
            """
            SELECT count(*) FILTER (WHERE b.state NOT IN ('completed', 'failed')) AS open, count(*) AS total
            FROM rollout_blocks rb JOIN blocks b ON b.id = rb.block_id
            WHERE rb.rollout_id = $1::bigint AND b.state <> 'cancelled'
            """, [String(rolloutID)])[0]
        return (try row.required("open", Int.init), try row.required("total", Int.init))
    }

    /// The sample with each block's outcome under the new spec and its current result under the previous one.
    public func rolloutSample(_ rollout: RolloutRecord) async throws -> [RolloutSampleRow] {
        var sample = try await connection.query(
            """
            SELECT b.id, b.state, b.error_class,
                   c.records AS c_records, c.input_tokens AS c_in, c.output_tokens AS c_out, c.memory_hits AS c_hits,
                   p.records AS p_records, p.input_tokens AS p_in, p.output_tokens AS p_out, p.memory_hits AS p_hits
            FROM rollout_blocks rb JOIN blocks b ON b.id = rb.block_id
            LEFT JOIN results c ON c.block_id = b.id AND c.spec_hash = $2 AND b.state = 'completed'
            LEFT JOIN results p ON p.block_id = b.id AND p.spec_hash = $3
            WHERE rb.rollout_id = $1::bigint AND b.state <> 'cancelled'
            ORDER BY b.block_hash, b.id
            """, [String(rollout.id), rollout.canarySpecHash, rollout.baselineSpecHash]
        ).map { row in
            let int64 = { (column: String) in row[column].flatMap { Int64($0) } ?? 0 }
            return RolloutSampleRow(
                blockID: try row.required("id"), state: try row.required("state", BlockState.init(rawValue:)),
                errorClass: row["error_class"], canaryRecords: row["c_records"], canaryInputTokens: int64("c_in"),
                canaryOutputTokens: int64("c_out"), canaryMemoryHits: Int(int64("c_hits")),
                baselineRecords: row["p_records"], baselineInputTokens: int64("p_in"),
                baselineOutputTokens: int64("p_out"), baselineMemoryHits: Int(int64("p_hits")))
        }
        let ids = sample.map(\.blockID)
        let records = try await withSources(sample.map(\.canaryRecords) + sample.map(\.baselineRecords), of: ids + ids)
        for index in sample.indices {
            sample[index].canaryRecords = records[index]
            sample[index].baselineRecords = records[sample.count + index]
        }
        return sample
    }

    /// Moves a rollout from `rollout.state` to `to` with its effect, recording the analysis that decided it (JSON
    /// text of the figures) and an event, in one transaction. Returns false, writing nothing, when the rollout is
    /// no longer in `rollout.state`. A rollback or reinstatement returns the revision it recorded in `revision`.
    @discardableResult
    public func transitionRollout(
        _ rollout: RolloutRecord, to: RolloutState, actor: String, message: String?,
        analysis: (outcome: String, summary: String, blocks: Int, figures: String)? = nil,
        effect: RolloutEffect = .none
    ) async throws -> (moved: Bool, revision: Int64?) {
        let from = rollout.state
        let reporting = reportsSuccessPath
        do {
            let (revision, made) = try await connection.transaction { connection -> (Int64?, [BlockTransition]) in
                let changed = try connection.query(
                    """
                    UPDATE rollouts
                    SET phase = $2, step = $3::int, step_started = $4::boolean, run = $5::int,
                        skip_analysis = $6::boolean, reason = $7, updated_at = now(),
                        finished_at = CASE WHEN $2 IN ('completed', 'rolled_back', 'superseded') THEN now() END
                    WHERE id = $1::bigint AND phase = $8 AND step = $9::int AND step_started = $10::boolean
                        AND run = $11::int
                    RETURNING id
                    """,
                    [
                        String(rollout.id), to.phase.rawValue, String(to.step), String(to.stepStarted), String(to.run),
                        String(to.skipAnalysis), to.reason, from.phase.rawValue, String(from.step),
                        String(from.stepStarted), String(from.run),
                    ])
                if changed.isEmpty { throw RolloutMoved() }
                if let analysis {
                    try connection.query(
                        """
                        INSERT INTO rollout_analyses (rollout_id, step, run, outcome, summary, blocks, figures)
                        VALUES ($1::bigint, $2::int, $3::int, $4, $5, $6::int, $7::jsonb)
                        """,
                        [
                            String(rollout.id), String(from.step), String(from.run), analysis.outcome,
                            analysis.summary, String(analysis.blocks), analysis.figures,
                        ])
                }
                try RolloutSQL.event(
                    rolloutID: rollout.id, from: from, to: to, actor: actor, message: message, connection)
                switch effect {
                case .none:
                    return (nil, [])
                case .complete:
                    return (nil, try Self.completeRollout(rollout, actor: actor, reporting: reporting, connection))
                case .rollBack(let revision):
                    let made = try RolloutSQL.restoreSample(
                        rolloutID: rollout.id, baselineSpecHash: rollout.baselineSpecHash,
                        canarySpecHash: rollout.canarySpecHash, actor: actor, reason: "rollout rolled back",
                        reporting: reporting, connection)
                    return (
                        try RolloutSQL.recordRevision(
                            revision, summary: "{\"rollout\":\(rollout.id),\"rolledBack\":true}", connection), made
                    )
                case .reinstate(let revision):
                    return (
                        try RolloutSQL.recordRevision(
                            revision, summary: "{\"rollout\":\(rollout.id),\"reinstated\":true}", connection), []
                    )
                }
            }
            report(made)
            return (false, revision)
        } catch is RolloutMoved {
            return (true, nil)
        }
    }

    /// The new spec becomes the pipeline's: its results current; blocks still on the previous spec (added while
    /// the rollout ran) are reprocessed under the new one.
    private static func completeRollout(
        _ rollout: RolloutRecord, actor: String, reporting: Bool, _ connection: isolated PostgresConnection
    ) throws -> [BlockTransition] {
        try connection.query(
            """
            UPDATE pipelines SET spec_hash = $2, processing_spec = $3::jsonb, generation = generation + 1,
                updated_at = now()
            WHERE name = $1
            """, [rollout.pipeline, rollout.canarySpecHash, rollout.canarySpec])
        try connection.query(
            """
            UPDATE blocks SET result_spec = spec_hash, updated_at = now()
            WHERE pipeline = $1 AND spec_hash = $2 AND state = 'completed'
                AND EXISTS (SELECT 1 FROM results r WHERE r.block_id = blocks.id AND r.spec_hash = $2)
            """, [rollout.pipeline, rollout.canarySpecHash])
        let rows = try connection.query(
            """
            WITH prior AS (
                SELECT id, state FROM blocks
                WHERE pipeline = $1 AND spec_hash <> $2 AND state <> 'cancelled'
                ORDER BY id FOR UPDATE
            ), updated AS (
                UPDATE blocks b
                SET state = 'created', spec_hash = $2, attempt_base = b.attempt, lease_owner = NULL,
                    lease_expires_at = NULL, run_at = now(), updated_at = now(), revision = $4::bigint
                FROM prior p WHERE b.id = p.id
                RETURNING b.id, b.key, b.attempt
            )
            INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason)
            SELECT p.id, u.key, p.state, 'created', $3, u.attempt, 'rollout completed: reprocessed under the new spec'
            FROM prior p JOIN updated u ON u.id = p.id WHERE p.state <> 'created'
            \(reporting ? BlockTransition.returningEvent : "")
            """, [rollout.pipeline, rollout.canarySpecHash, actor, String(rollout.revision)])
        return try BlockTransition.decoding(rows)
    }

    /// Deletes result versions that are not current, keeping the `keep` newest versions of each block (the
    /// current one always counts among them). Pipelines with a rollout in progress, paused or rolled back are
    /// left alone: their sample's results are still compared or inspected. Returns the versions deleted. Runs in
    /// batches of `batchSize` blocks, each its own transaction (`pruneResultVersions`).
    public func pruneResults(keep: Int, batchSize: Int = 5_000) async throws -> Int {
        var deleted = 0
        var after: String?
        repeat {
            let batch = try await pruneResultVersions(keep: keep, after: after, limit: batchSize)
            deleted += batch.deleted
            after = batch.next
        } while after != nil
        return deleted
    }
}

/// Thrown inside a rollout transaction when the rollout is no longer in the state it was read in: rolls the
/// transaction back.
struct RolloutMoved: Error {}
