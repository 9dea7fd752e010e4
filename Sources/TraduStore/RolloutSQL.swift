import TraduCore
import TraduPostgres

/// The statements a rollout's transitions share with `tradu apply` (which supersedes and starts rollouts in its
/// own transaction). Each runs on a connection inside a transaction.
enum RolloutSQL {
    static let columns = """
        id, pipeline, revision, baseline_revision, baseline_spec_hash, canary_spec_hash, canary_spec::text AS canary_spec,
        array_to_json(changed_fields)::text AS changed_fields, spec::text AS spec, phase, step, step_started, run,
        skip_analysis, reason, \(SQLText.rfc3339("created_at")) AS created_at,
        \(SQLText.rfc3339("updated_at")) AS updated_at, \(SQLText.rfc3339("finished_at")) AS finished_at
        """

    static func record(_ row: PostgresRow) throws -> RolloutRecord {
        let specText = try row.required("spec")
        guard let specJSON = StoredJSON.parse(specText), let spec = RolloutSpec(json: specJSON) else {
            throw StoreError.unexpectedData("rollouts.spec is not a rollout spec: \(specText)")
        }
        let fields = StoredJSON.parse(try row.required("changed_fields")).flatMap { json -> [String]? in
            guard case .array(let values) = json else { return nil }
            return values.compactMap(\.stringValue)
        }
        return RolloutRecord(
            id: try row.required("id", Int64.init), pipeline: try row.required("pipeline"),
            revision: try row.required("revision", Int64.init),
            baselineRevision: row["baseline_revision"].flatMap {
                Int64($0)
            }, baselineSpecHash: try row.required("baseline_spec_hash"),
            canarySpecHash: try row.required("canary_spec_hash"), canarySpec: try row.required("canary_spec"),
            changedFields: fields ?? [], spec: spec,
            state: RolloutState(
                phase: try row.required("phase", RolloutState.Phase.init(rawValue:)),
                step: try row.required("step", Int.init), stepStarted: row["step_started"] == "t",
                run: try row.required("run", Int.init), skipAnalysis: row["skip_analysis"] == "t",
                reason: row["reason"]),
            createdAt: try row.required("created_at"), updatedAt: try row.required("updated_at"),
            finishedAt: row["finished_at"])
    }

    /// Sends a superseded or rolled-back rollout's sample back to the previous spec: a block with a current
    /// result under it is `completed` again at once (its new result stays beside it), any other is `created`.
    /// Blocks in flight are taken back (their worker's outcome is then refused by the fence).
    @discardableResult
    static func restoreSample(
        rolloutID: Int64, baselineSpecHash: String, canarySpecHash: String, actor: String, reason: String,
        reporting: Bool = false, _ connection: isolated PostgresConnection
    ) throws -> [BlockTransition] {
        let rows = try connection.query(
            """
            WITH sample AS (
                SELECT b.id, b.state FROM rollout_blocks rb JOIN blocks b ON b.id = rb.block_id
                WHERE rb.rollout_id = $1::bigint AND b.spec_hash = $3 AND b.state <> 'cancelled'
                ORDER BY b.id
                FOR UPDATE OF b
            ), restored AS (
                UPDATE blocks b
                SET spec_hash = $2,
                    state = CASE WHEN b.result_spec = $2 THEN 'completed' ELSE 'created' END,
                    finished_at = CASE WHEN b.result_spec = $2 THEN coalesce(b.finished_at, now()) END,
                    lease_owner = NULL, lease_expires_at = NULL, attempt_base = b.attempt, run_at = now(),
                    updated_at = now()
                FROM sample s WHERE b.id = s.id
                RETURNING b.id, b.key, b.state, b.attempt
            )
            INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason)
            SELECT s.id, r.key, s.state, r.state, $4, r.attempt, $5
            FROM sample s JOIN restored r ON r.id = s.id
            WHERE s.state <> r.state
            \(reporting ? BlockTransition.returningEvent : "")
            """, [String(rolloutID), baselineSpecHash, canarySpecHash, actor, reason])
        return try BlockTransition.decoding(rows)
    }

    static func event(
        rolloutID: Int64, from: RolloutState?, to: RolloutState, actor: String, message: String?,
        _ connection: isolated PostgresConnection
    ) throws {
        try connection.query(
            """
            INSERT INTO rollout_events (rollout_id, from_phase, to_phase, step, actor, message)
            VALUES ($1::bigint, $2, $3, $4::int, $5, $6)
            """, [String(rolloutID), from?.phase.rawValue, to.phase.rawValue, String(to.step), actor, message])
    }

    /// Ends every active rollout of `pipelines` (a new spec, or the manifests went back to the current one),
    /// restoring their samples. Returns pipeline → the baseline revision of the rollout it ended.
    static func supersede(
        pipelines: [String], revision: Int64, actor: String, _ connection: isolated PostgresConnection
    ) throws -> [String: Int64] {
        guard !pipelines.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT \(columns) FROM rollouts
            WHERE pipeline = ANY($1::text[]) AND phase IN ('progressing', 'analyzing', 'paused')
            ORDER BY pipeline FOR UPDATE
            """, [SQLText.arrayLiteral(pipelines)])
        var baselines: [String: Int64] = [:]
        for row in rows {
            let rollout = try record(row)
            let reason = "superseded by revision \(revision)"
            try restoreSample(
                rolloutID: rollout.id, baselineSpecHash: rollout.baselineSpecHash,
                canarySpecHash: rollout.canarySpecHash, actor: actor, reason: "rollout \(reason)", connection)
            var ended = rollout.state
            ended.phase = .superseded
            ended.reason = reason
            try connection.query(
                """
                UPDATE rollouts SET phase = 'superseded', reason = $2, updated_at = now(), finished_at = now()
                WHERE id = $1::bigint
                """, [String(rollout.id), reason])
            try event(rolloutID: rollout.id, from: rollout.state, to: ended, actor: actor, message: reason, connection)
            if let baseline = rollout.baselineRevision { baselines[rollout.pipeline] = baseline }
        }
        return baselines
    }

    /// Records new rollouts (phase `progressing`, step 0 not started: the leading controller starts it).
    static func start(
        _ starts: [RolloutStart], revision: Int64, baselines: [String: Int64], actor: String,
        _ connection: isolated PostgresConnection
    ) throws {
        for start in starts {
            let baseline = baselines[start.pipeline] ?? (revision > 1 ? revision - 1 : nil)
            let id = try connection.query(
                """
                INSERT INTO rollouts (pipeline, revision, baseline_revision, baseline_spec_hash, canary_spec_hash,
                                      canary_spec, changed_fields, spec)
                VALUES ($1, $2::bigint, $3::bigint, $4, $5, $6::jsonb, $7::text[], $8::jsonb)
                RETURNING id
                """,
                [
                    start.pipeline, String(revision), baseline.map(String.init), start.baselineSpecHash,
                    start.canarySpecHash, start.canarySpec, SQLText.arrayLiteral(start.changedFields), start.spec,
                ])[0].required("id", Int64.init)
            try event(
                rolloutID: id, from: nil, to: RolloutState(), actor: actor,
                message: "revision \(revision) changed " + start.changedFields.joined(separator: ", "), connection)
        }
    }

    /// Records a revision made by a rollout (rollback, reinstatement): the latest revision's freight and git
    /// commit with new effective manifests. Moves the serial, so plans made before are stale.
    static func recordRevision(_ revision: RolloutRevision, summary: String, _ connection: isolated PostgresConnection)
        throws -> Int64
    {
        let serial =
            try connection.query("SELECT serial FROM environment_state FOR UPDATE")[0]
            .required("serial", Int64.init) + 1
        let number = try connection.query("SELECT coalesce(max(number), 0) + 1 AS next FROM revisions")[0]
            .required("next", Int64.init)
        try connection.query(
            """
            INSERT INTO revisions (number, serial, manifest_digest, plan_digest, manifests, git_commit, applied_by,
                                   message, summary, raw_manifests, raw_digest, freight_id, dataset_fingerprints,
                                   git_branch, promoted_from)
            SELECT $1::bigint, $2::bigint, $3, NULL, $4::jsonb, latest.git_commit, $5, $6, $7::jsonb,
                   latest.raw_manifests, latest.raw_digest, latest.freight_id, latest.dataset_fingerprints,
                   latest.git_branch, latest.promoted_from
            FROM (SELECT NULL) AS one
            LEFT JOIN LATERAL (SELECT * FROM revisions ORDER BY number DESC LIMIT 1) latest ON true
            """,
            [
                String(number), String(serial), revision.manifestDigest, revision.manifests, revision.appliedBy,
                revision.message, summary,
            ])
        try connection.query("UPDATE environment_state SET serial = $1::bigint", [String(serial)])
        return number
    }
}
