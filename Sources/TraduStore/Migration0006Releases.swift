extension StoreMigrations {
    /// What promotion needs (DESIGN §3c): each revision's freight (the raw manifests of every environment, their
    /// digest, the datasets' fingerprints, the git commit and branch) and where a promoted revision came from;
    /// the promotion records with their gates; approvals and rejections of freights; the auto-promotion hold.
    ///
    /// Revisions recorded before this migration keep NULL raw manifests: they cannot be promoted (re-apply them).
    public static let releases = Migration(
        version: 6, name: "releases",
        sql: """
            ALTER TABLE revisions
                ADD COLUMN raw_manifests jsonb,
                ADD COLUMN raw_digest text,
                ADD COLUMN freight_id text,
                ADD COLUMN dataset_fingerprints jsonb,
                ADD COLUMN git_branch text,
                ADD COLUMN promoted_from jsonb;
            CREATE INDEX revisions_freight ON revisions (freight_id, number);

            -- Every promotion into this environment, refused ones included: who, from where, which freight, every
            -- gate with its measured value, the parity allowances used, and the revision it produced.
            CREATE TABLE promotions (
                id bigserial PRIMARY KEY,
                freight_id text NOT NULL,
                source_environment text,
                source_revision bigint,
                rollback boolean NOT NULL DEFAULT false,
                automatic boolean NOT NULL DEFAULT false,
                phase text NOT NULL DEFAULT 'Pending'
                    CHECK (phase IN ('Pending', 'Running', 'Succeeded', 'Failed', 'Refused')),
                requested_by text NOT NULL,
                message text,
                gates jsonb NOT NULL DEFAULT '[]',
                allowances jsonb NOT NULL DEFAULT '[]',
                reasons jsonb NOT NULL DEFAULT '[]',
                target_revision bigint,
                created_at timestamptz NOT NULL DEFAULT now(),
                finished_at timestamptz
            );

            -- Approvals (for promotions into this environment) and rejections of freights, append-only: a freight
            -- is rejected while its latest rejected/unrejected verdict is a rejection.
            CREATE TABLE freight_verdicts (
                id bigserial PRIMARY KEY,
                freight_id text NOT NULL,
                verdict text NOT NULL CHECK (verdict IN ('approved', 'rejected', 'unrejected')),
                by text NOT NULL,
                message text NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX freight_verdicts_freight ON freight_verdicts (freight_id, id);

            -- Set by a manual promotion of a freight other than the one auto-promotion would pick; cleared by
            -- `tradu promote --resume-auto`. NULL: no hold.
            ALTER TABLE environment_state ADD COLUMN auto_promotion_hold jsonb;
            """, compatibility: .expand)
}
