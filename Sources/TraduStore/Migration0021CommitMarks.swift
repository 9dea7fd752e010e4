extension StoreMigrations {
    /// `commit_marks`: the last transaction each committer (one store, one connection: a worker's flushing loop,
    /// its provider-batch loop) committed, by a token the committer made for it.
    ///
    /// Why: a worker whose commit broke off (the server restarted, the connection or the network broke after
    /// `COMMIT` was sent) cannot tell whether its transaction committed. Run again, a committed one would meet its
    /// own fence, report its blocks lost and add their spend a second time. Migration-free look-ups in the log
    /// (`Store.loggedOutcomes`) miss two cases: a transaction whose fence refused every outcome logs nothing, and a
    /// transaction the server is still committing is not visible yet. The mark covers both: each try of the same
    /// transaction writes the same token into the committer's row first, an upsert that waits for a try still
    /// running and writes nothing when the row holds that token already. One row per committer, updated in place
    /// (no indexed column changes: a HOT update), so the table stays a few rows per worker and costs one small
    /// WAL record a commit. `tradu prune` deletes rows not marked for a day. A new table: expand.
    public static let commitMarks = Migration(
        version: 21, name: "commit-marks",
        sql: """
            CREATE TABLE commit_marks (
                committer uuid PRIMARY KEY,
                token uuid NOT NULL,
                marked_at timestamptz NOT NULL DEFAULT now()
            );
            """, compatibility: .expand)
}
