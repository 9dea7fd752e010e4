extension StoreMigrations {
    /// The money side (DESIGN §4): tokens and cost of every attempt, failed and refused ones included, and the
    /// operator's pauses.
    ///
    /// `spend` is a striped counter: one row per (pipeline, revision that last planned the block, slot), where a
    /// worker writes the slot its instance id hashes to. Workers commit in parallel, and one row per pipeline would
    /// queue every commit behind the same row lock; sixteen stripes keep collisions rare, and readers sum a few
    /// hundred rows at most. Cost is in millionths of the engine's currency, computed by the worker from the
    /// engine's pricing when the attempt ended.
    public static let spend = Migration(
        version: 8, name: "spend",
        sql: """
            CREATE TABLE spend (
                pipeline text NOT NULL,
                revision bigint NOT NULL,
                slot int NOT NULL,
                currency text NOT NULL DEFAULT '',
                input_tokens bigint NOT NULL DEFAULT 0,
                output_tokens bigint NOT NULL DEFAULT 0,
                cost_micros bigint NOT NULL DEFAULT 0,
                attempts bigint NOT NULL DEFAULT 0,
                failed_attempts bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (pipeline, revision, slot)
            );
            ALTER TABLE spend SET (autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_cost_delay = 0);

            -- What was spent before this migration: the tokens results recorded (failed attempts were not counted).
            INSERT INTO spend (pipeline, revision, slot, input_tokens, output_tokens, attempts)
            SELECT b.pipeline, b.revision, 0, sum(r.input_tokens), sum(r.output_tokens), count(*)
            FROM results r JOIN blocks b ON b.id = r.block_id
            GROUP BY b.pipeline, b.revision;

            -- `tradu pause`: the controller starts no new block of a paused pipeline; nothing is cancelled.
            CREATE TABLE pipeline_pauses (
                pipeline text PRIMARY KEY,
                paused_by text NOT NULL,
                reason text NOT NULL,
                paused_at timestamptz NOT NULL DEFAULT now()
            );

            -- Every operator action on the runtime (pause, resume): who, why, when.
            CREATE TABLE operator_actions (
                id bigserial PRIMARY KEY,
                action text NOT NULL,
                pipeline text,
                actor text NOT NULL,
                reason text NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );
            """, compatibility: .expand)
}
