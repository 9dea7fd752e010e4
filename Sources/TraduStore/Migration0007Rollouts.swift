extension StoreMigrations {
    /// Canary rollouts of processing-spec changes (DESIGN §3c).
    ///
    /// Result versions: a block keeps one result per processing-spec hash, and `blocks.result_spec` names the
    /// current one, the one export, sinks and the API serve. A block reprocessed by a rollout's step gets its new
    /// result beside the current one; a completed rollout moves `result_spec`, a rolled-back one leaves it. The
    /// pointer lives on `blocks` because the completing update writes that row anyway: no second index on
    /// `results`, no demotion update on the hot path.
    ///
    /// Existing results become the version of their block's spec when the block is completed; the result of a
    /// block being reprocessed was made under a spec no longer known, recorded as `pre-versioning`.
    ///
    /// Webhook deliveries are keyed by the version too, so a promoted version is delivered as new.
    public static let rollouts = Migration(
        version: 7, name: "rollouts",
        sql: """
            ALTER TABLE results ADD COLUMN spec_hash text;
            UPDATE results r SET spec_hash = CASE WHEN b.state = 'completed' THEN b.spec_hash ELSE 'pre-versioning' END
            FROM blocks b WHERE b.id = r.block_id;
            UPDATE results SET spec_hash = 'pre-versioning' WHERE spec_hash IS NULL;
            ALTER TABLE results ALTER COLUMN spec_hash SET NOT NULL;
            ALTER TABLE results DROP CONSTRAINT results_pkey;
            ALTER TABLE results ADD PRIMARY KEY (block_id, spec_hash);

            ALTER TABLE blocks ADD COLUMN result_spec text;
            UPDATE blocks b SET result_spec = r.spec_hash FROM results r WHERE r.block_id = b.id;

            ALTER TABLE sink_deliveries ADD COLUMN spec_hash text NOT NULL DEFAULT '';
            UPDATE sink_deliveries d SET spec_hash = b.result_spec
            FROM blocks b WHERE b.id = d.block_id AND b.result_spec IS NOT NULL;
            ALTER TABLE sink_deliveries DROP CONSTRAINT sink_deliveries_pkey;
            ALTER TABLE sink_deliveries ADD PRIMARY KEY (block_id, sink, spec_hash, attempt);

            -- One rollout of one pipeline's spec change. At most one is active per pipeline. `baseline_revision` is
            -- the revision whose manifests run the previous spec (workers build its engine for the blocks not in the
            -- sample); `revision` the one that asked for the new spec.
            CREATE TABLE rollouts (
                id bigserial PRIMARY KEY,
                pipeline text NOT NULL,
                revision bigint NOT NULL,
                baseline_revision bigint,
                baseline_spec_hash text NOT NULL,
                canary_spec_hash text NOT NULL,
                canary_spec jsonb NOT NULL,
                changed_fields text[] NOT NULL DEFAULT '{}',
                spec jsonb NOT NULL,
                phase text NOT NULL DEFAULT 'progressing' CHECK (phase IN (
                    'progressing', 'analyzing', 'paused', 'completed', 'rolled_back', 'superseded')),
                step int NOT NULL DEFAULT 0,
                step_started boolean NOT NULL DEFAULT false,
                run int NOT NULL DEFAULT 1,
                skip_analysis boolean NOT NULL DEFAULT false,
                reason text,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz
            );
            CREATE UNIQUE INDEX rollouts_one_active ON rollouts (pipeline)
                WHERE phase IN ('progressing', 'analyzing', 'paused');
            CREATE INDEX rollouts_pipeline ON rollouts (pipeline, id);

            -- The deterministic sample: the step that added each block, and the run that last reprocessed it (a
            -- retry reprocesses the same blocks again).
            CREATE TABLE rollout_blocks (
                rollout_id bigint NOT NULL REFERENCES rollouts (id),
                block_id text NOT NULL,
                step int NOT NULL,
                run int NOT NULL DEFAULT 0,
                PRIMARY KEY (rollout_id, block_id)
            );

            -- Every analysis with its figures against their limits.
            CREATE TABLE rollout_analyses (
                id bigserial PRIMARY KEY,
                rollout_id bigint NOT NULL REFERENCES rollouts (id),
                step int NOT NULL,
                run int NOT NULL,
                outcome text NOT NULL CHECK (outcome IN ('passed', 'failed', 'inconclusive')),
                summary text NOT NULL,
                blocks int NOT NULL,
                figures jsonb NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );

            -- Every change of a rollout's phase or step: who, why.
            CREATE TABLE rollout_events (
                id bigserial PRIMARY KEY,
                rollout_id bigint NOT NULL REFERENCES rollouts (id),
                from_phase text,
                to_phase text NOT NULL,
                step int NOT NULL,
                actor text NOT NULL,
                message text,
                at timestamptz NOT NULL DEFAULT now()
            );
            """)
}
