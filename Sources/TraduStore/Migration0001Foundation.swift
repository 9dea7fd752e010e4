extension StoreMigrations {
    /// Environment identity, applied revisions, and the apply lock.
    public static let foundation = Migration(
        version: 1, name: "foundation",
        sql: """
            -- One row per environment. `lineage` tells this environment's history apart from one recreated under
            -- the same name (a saved plan for the old one must not apply); `serial` counts changes to it.
            CREATE TABLE environment_state (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                lineage uuid NOT NULL DEFAULT gen_random_uuid(),
                serial bigint NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            INSERT INTO environment_state DEFAULT VALUES;

            -- Every apply: what was applied, from which commit, by whom.
            CREATE TABLE revisions (
                number bigint PRIMARY KEY CHECK (number > 0),
                manifest_digest text NOT NULL,
                plan_digest text,
                manifests jsonb NOT NULL,
                git_commit text,
                applied_by text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                message text
            );

            -- At most one apply at a time per environment; a lock past expires_at may be taken over.
            CREATE TABLE environment_lock (
                singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                holder text NOT NULL,
                host text NOT NULL,
                pid integer NOT NULL,
                acquired_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL
            );
            """)
}
