extension StoreMigrations {
    /// What the controller and the workers need: leases and fencing on blocks, results, the translation
    /// memory, process instances, the controller's leader lease, per-pipeline status and sink deliveries.
    public static let runtime = Migration(
        version: 3, name: "runtime",
        sql: """
            -- `attempt` only ever grows: with the block id it fences every write of a worker, so a worker
            -- whose lease was lost (and whose block was claimed again) can never complete or overwrite it.
            -- `attempt_base` is the attempt at the last (re)plan or manual retry: attempts left =
            -- maxAttempts - (attempt - attempt_base).
            ALTER TABLE blocks
                ADD COLUMN attempt_base int NOT NULL DEFAULT 0,
                ADD COLUMN lease_owner text,
                ADD COLUMN lease_expires_at timestamptz,
                ADD COLUMN heartbeat_at timestamptz,
                ADD COLUMN enqueued_at timestamptz,
                ADD COLUMN started_at timestamptz,
                ADD COLUMN finished_at timestamptz,
                ADD COLUMN error_class text,
                ADD COLUMN last_error text,
                ADD COLUMN errors jsonb NOT NULL DEFAULT '[]';

            -- Workers claim from this partial index only: it holds just the runnable rows.
            CREATE INDEX blocks_claimable ON blocks (priority DESC, run_at, id) WHERE state = 'enqueued';
            -- The rotator reads created blocks per pipeline in dataset order.
            CREATE INDEX blocks_schedulable ON blocks (pipeline, ordinal, id) WHERE state = 'created';
            -- The watchdogs scan leases.
            CREATE INDEX blocks_leased ON blocks (lease_expires_at) WHERE state = 'in_process';
            CREATE INDEX blocks_lease_owner ON blocks (lease_owner) WHERE state = 'in_process';

            -- Exactly one result per block: written in the same transaction as the completing transition.
            -- A reprocessed block replaces its result when it completes again.
            CREATE TABLE results (
                block_id text PRIMARY KEY REFERENCES blocks (id),
                pipeline text NOT NULL,
                target_language text NOT NULL,
                attempt int NOT NULL,
                instance_id text NOT NULL,
                records text NOT NULL,
                input_tokens bigint NOT NULL DEFAULT 0,
                output_tokens bigint NOT NULL DEFAULT 0,
                memory_hits int NOT NULL DEFAULT 0,
                completed_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX results_pipeline ON results (pipeline, target_language);

            -- An identical (source text, source language, target language, engine spec) is translated once
            -- per environment. `key` is a content hash of the four.
            CREATE TABLE translation_memory (
                key text PRIMARY KEY,
                translation text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );

            -- Every process (controller, worker, run) registers and heartbeats; a silent one is marked dead.
            CREATE TABLE instances (
                id text PRIMARY KEY,
                role text NOT NULL,
                host text NOT NULL,
                pid int NOT NULL,
                version text NOT NULL,
                concurrency int NOT NULL DEFAULT 0,
                state text NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'dead', 'stopped')),
                started_at timestamptz NOT NULL DEFAULT now(),
                heartbeat_at timestamptz NOT NULL DEFAULT now(),
                ended_at timestamptz
            );

            -- One controller leads; the others stand by. `term` grows at every change of leader.
            CREATE TABLE controller_lease (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                holder text NOT NULL,
                term bigint NOT NULL DEFAULT 1,
                acquired_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL
            );

            -- Per-pipeline status written by the leading controller (Kubernetes-style conditions).
            CREATE TABLE pipeline_status (
                pipeline text PRIMARY KEY,
                counts jsonb NOT NULL DEFAULT '{}',
                conditions jsonb NOT NULL DEFAULT '[]',
                observed_generation bigint NOT NULL DEFAULT 0,
                updated_at timestamptz NOT NULL DEFAULT now()
            );

            -- Webhook deliveries of completed blocks: kept so nothing is sent twice after a restart.
            CREATE TABLE sink_deliveries (
                block_id text NOT NULL,
                sink text NOT NULL,
                attempt int NOT NULL,
                state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
                tries int NOT NULL DEFAULT 0,
                next_try_at timestamptz NOT NULL DEFAULT now(),
                last_error text,
                delivered_at timestamptz,
                PRIMARY KEY (block_id, sink, attempt)
            );
            CREATE INDEX sink_deliveries_due ON sink_deliveries (next_try_at) WHERE state = 'pending';
            """)
}
