extension StoreMigrations {
    /// What cutter version 3 needs to keep an environment's cut (`BlockCutter.keptBoundaries`): each content's last
    /// record id (`block_contents.last_record`, filled here for the contents already stored), and each dataset's last
    /// record at the last apply (`dataset_cuts`), whose block is the one an append may re-cut. Both are new and
    /// nullable: an older build writes neither, and a plan reads a missing `last_record` from the records instead.
    public static let keptCuts = Migration(
        version: 16, name: "kept-cuts",
        sql: """
            ALTER TABLE block_contents ADD COLUMN last_record text;
            UPDATE block_contents SET last_record = \(lastRecordOfContent("records"));

            -- One row per dataset cut by an apply: the last record it read, so that the next plan leaves that
            -- record's block open to records appended after it.
            CREATE TABLE dataset_cuts (
                dataset text PRIMARY KEY,
                last_record text,
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            """, compatibility: .expand)

    /// The id of a content's last record, from its JSON Lines (`{"id":…,"text":…}` a line; no line holds a raw
    /// newline, JSON escapes them). NULL for records not written as the cutter writes them, rather than an error
    /// that would stop the migration.
    public static func lastRecordOfContent(_ records: String) -> String {
        let last = "split_part(rtrim(\(records), E'\\n'), E'\\n', -1)"
        return "(CASE WHEN \(last) LIKE '{\"id\":\"%}' THEN \(last)::json ->> 'id' END)"
    }
}
