/// Moves events of `block_events` into chunks (`block_event_chunks`, migration 27), as the hot statements hold them,
/// and chunks back into rows, so that tests can check every reader against both of the log's forms with the same
/// events.
///
/// The chunks are grouped as hot statements would group them (one transition, reason and instance a chunk, labelled
/// or not), then split three ways by id and into fives, so that chunks interleave and their spans overlap, as the
/// chunks of statements running side by side do. Events a chunk cannot hold stay rows: failures (with an error),
/// events of blocks without a key; and every seventh, so that both forms mix throughout the log.
public enum EventChunkMover {
    public static let sql = """
        WITH moved AS (
            DELETE FROM block_events
            WHERE block_key IS NOT NULL AND error IS NULL AND error_class IS NULL AND id % 7 <> 0
            RETURNING *
        ), parted AS (
            SELECT m.*, (row_number() OVER (
                       PARTITION BY from_state, to_state, reason, instance_id, pipeline IS NULL, id % 3 ORDER BY id)
                       - 1) / 5 AS part
            FROM moved m
        )
        INSERT INTO block_event_chunks (first_id, last_id, from_state, to_state, instance_id, reason, at, ids,
                                        block_ids, block_keys, attempts, ats, pipelines, target_languages)
        SELECT min(id), max(id), from_state, to_state, instance_id, reason, max(at), array_agg(id ORDER BY id),
               array_agg(block_id ORDER BY id), array_agg(block_key ORDER BY id), array_agg(attempt ORDER BY id),
               array_agg(at ORDER BY id),
               CASE WHEN bool_and(pipeline IS NULL) THEN NULL ELSE array_agg(pipeline ORDER BY id) END,
               CASE WHEN bool_and(target_language IS NULL) THEN NULL ELSE array_agg(target_language ORDER BY id) END
        FROM parted
        GROUP BY from_state, to_state, reason, instance_id, pipeline IS NULL, id % 3, part
        """

    /// Every chunk's events as rows of `block_events`, with their ids, times and labels, and no chunk left: the log
    /// as a release before migration 27 wrote it.
    public static let toRows = """
        WITH gone AS (DELETE FROM block_event_chunks RETURNING *)
        INSERT INTO block_events (id, block_id, block_key, from_state, to_state, instance_id, attempt, reason, at,
                                  pipeline, target_language)
        SELECT u.id, u.block_id, u.block_key, c.from_state, c.to_state, c.instance_id, u.attempt, c.reason, u.at,
               u.pipeline, u.target_language
        FROM gone c
        CROSS JOIN LATERAL unnest(c.ids, c.block_ids, c.attempts, c.ats, c.pipelines, c.target_languages, c.block_keys)
            AS u (id, block_id, attempt, at, pipeline, target_language, block_key)
        """
}
