extension StoreMigrations {
    /// The block's pipeline and target language on the event that schedules it (`created` → `enqueued`; it was
    /// `created` → `claimed` when this was written), so a reader following the log (the API's event stream) learns
    /// them from the log itself instead of looking each block up: a look-up cost about as much as reading the
    /// block's events. Only that event carries them
    /// (about 12 bytes a block scheduled); the other events leave them NULL, which costs nothing.
    public static let eventLabels = Migration(
        version: 14, name: "event-labels",
        sql: """
            ALTER TABLE block_events ADD COLUMN pipeline text, ADD COLUMN target_language text;
            """, compatibility: .expand)
}
