extension StoreMigrations {
    /// Pipelines, content-addressed block contents, blocks with their lifecycle, the block event log, and what
    /// `tradu apply` needs on revisions and the lock.
    public static let blocks = Migration(
        version: 2, name: "blocks",
        sql: """
            -- The applied pipelines. `generation` counts spec changes (Kubernetes' metadata.generation), so status
            -- can say which generation it has observed.
            CREATE TABLE pipelines (
                name text PRIMARY KEY,
                dataset text NOT NULL,
                spec_hash text NOT NULL,
                processing_spec jsonb NOT NULL,
                sizing jsonb NOT NULL,
                generation bigint NOT NULL DEFAULT 1,
                priority int NOT NULL DEFAULT 50,
                updated_at timestamptz NOT NULL DEFAULT now()
            );

            -- A block's input records, stored once per content hash whatever the number of pipelines and target
            -- languages that use it. Never updated or deleted by apply.
            CREATE TABLE block_contents (
                hash text PRIMARY KEY,
                dataset text NOT NULL,
                record_count int NOT NULL,
                byte_count bigint NOT NULL,
                records text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            -- Large values go out of line uncompressed: no pglz cost on the apply and claim hot paths.
            ALTER TABLE block_contents ALTER COLUMN records SET STORAGE EXTERNAL;

            -- One work item: (pipeline, content, target language). Cancelled blocks stay, so a block that comes
            -- back is restored rather than recreated. `revision` is the revision that last planned the block.
            CREATE TABLE blocks (
                id text PRIMARY KEY,
                pipeline text NOT NULL,
                block_hash text NOT NULL REFERENCES block_contents (hash),
                target_language text NOT NULL,
                ordinal int NOT NULL,
                spec_hash text NOT NULL,
                state text NOT NULL DEFAULT 'created' CHECK (
                    state IN ('created', 'claimed', 'enqueued', 'in_process', 'completed', 'failed', 'cancelled')),
                attempt int NOT NULL DEFAULT 0,
                priority int NOT NULL DEFAULT 50,
                run_at timestamptz NOT NULL DEFAULT now(),
                revision bigint NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX blocks_pipeline_state ON blocks (pipeline, state);

            -- Every state change of every block, append-only, for `tradu trace`. No foreign key: the log is
            -- written in bulk and must not slow down or block on the blocks table.
            CREATE TABLE block_events (
                id bigserial PRIMARY KEY,
                block_id text NOT NULL,
                from_state text,
                to_state text NOT NULL,
                instance_id text,
                attempt int NOT NULL DEFAULT 0,
                reason text,
                error_class text,
                error text,
                at timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX block_events_block ON block_events (block_id, id);

            -- `serial` is the environment serial the revision produced; `summary` the plan's counts.
            ALTER TABLE revisions ADD COLUMN summary jsonb, ADD COLUMN serial bigint;

            -- Identifies one acquisition of the lock, so a holder whose lease expired and was taken over cannot
            -- release or renew the new holder's lock.
            ALTER TABLE environment_lock ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
            """)
}
