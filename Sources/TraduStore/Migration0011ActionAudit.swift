extension StoreMigrations {
    /// The audit of operator actions covers every action, from the command line and the API alike: retry and
    /// cancel join pause and resume, each with what it touched (`detail`) and where it came from (`via`).
    public static let actionAudit = Migration(
        version: 11, name: "action audit",
        sql: """
            ALTER TABLE operator_actions
                ADD COLUMN via text NOT NULL DEFAULT 'cli',
                ADD COLUMN detail text;
            CREATE INDEX operator_actions_at ON operator_actions (at DESC, id DESC);
            """, compatibility: .expand)
}
