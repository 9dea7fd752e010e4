extension StoreMigrations {
    /// Provider batches (`mode: batch`, DESIGN §4): the requests of blocks sent through a provider's Batch API.
    ///
    /// A block whose requests wait in a provider batch stays `in_process`, leased to the pseudo-owner
    /// `provider-batch` until the batch's completion window (plus an hour) has passed: no instance's death takes
    /// it back, the block timeout does not apply, and it does not count against concurrency caps. The batch row
    /// is leased to the worker that drives it (submits, polls, downloads); when that worker dies another adopts
    /// the row by its lease and goes on from what the row says. `submission` is tradu's key for the batch, sent
    /// as the provider batch's metadata: a row whose creation was attempted (`create_attempted_at`) but not
    /// recorded is looked up by it before anything is submitted again. Answers are kept per request, so an
    /// expired or cancelled batch keeps what finished and only the rest is resubmitted.
    public static let providerBatches = Migration(
        version: 10, name: "provider batches",
        sql: """
            CREATE TABLE provider_batches (
                id bigserial PRIMARY KEY,
                submission text NOT NULL UNIQUE,
                engine text NOT NULL,
                phase text NOT NULL DEFAULT 'preparing' CHECK (phase IN ('preparing', 'submitted', 'ended')),
                provider_id text,
                input_file_id text,
                provider_status text,
                owner text NOT NULL,
                lease_expires_at timestamptz NOT NULL,
                request_count int NOT NULL,
                estimated_tokens bigint NOT NULL DEFAULT 0,
                resubmits bigint REFERENCES provider_batches (id),
                created_at timestamptz NOT NULL DEFAULT now(),
                create_attempted_at timestamptz,
                submitted_at timestamptz,
                ended_at timestamptz,
                note text
            );
            CREATE INDEX provider_batches_open ON provider_batches (lease_expires_at) WHERE phase <> 'ended';

            CREATE TABLE provider_batch_requests (
                custom_id text PRIMARY KEY,
                batch_id bigint NOT NULL REFERENCES provider_batches (id),
                block_id text NOT NULL,
                attempt int NOT NULL,
                segment_ids text NOT NULL, -- a JSON array
                line text NOT NULL,
                estimated_tokens bigint NOT NULL DEFAULT 0,
                outcome text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'answered', 'failed')),
                status int,
                body text,
                error_class text,
                error text,
                answered_at timestamptz
            );
            CREATE INDEX provider_batch_requests_batch ON provider_batch_requests (batch_id);
            CREATE INDEX provider_batch_requests_block ON provider_batch_requests (block_id, attempt);
            """, compatibility: .expand)
}
