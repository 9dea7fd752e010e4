/// SQL that reads the event log in both of its forms: rows of `block_events`, and chunks of `block_event_chunks`
/// (one row per hot transition statement, its events in arrays; `StoreMigrations.eventChunks`). Every reader of the
/// log goes through here, so that an event reads the same whichever form holds it.
///
/// Each event has one id from `block_events_id_seq` in either form, so the log keeps one order across both. A
/// chunk's ids interleave with other chunks' and rows' (its statement ran beside others), so a chunk is found by
/// its span: the primary key walks first ids, and `block_event_chunks_span` (GiST) finds the chunks that straddle
/// an id.
public enum EventLogSQL {
    /// The log's columns, in the order every part of a union returns them.
    static let columns = """
        id, block_id, from_state, to_state, instance_id, attempt, reason, error_class, error, at, pipeline,
        target_language, block_key
        """

    /// The events of the chunks `chunks` (a `FROM` item aliased `c`) that meet `predicate` (on `u`, the event, and
    /// `c`), one row each, with `columns`. Chunks hold no failures, so `error_class` and `error` are NULL.
    static func elements(of chunks: String, where predicate: String = "true") -> String {
        """
        SELECT u.id, u.block_id, c.from_state, c.to_state, c.instance_id, u.attempt, c.reason,
               NULL::text AS error_class, NULL::text AS error, u.at, u.pipeline, u.target_language, u.block_key
        FROM \(chunks)
        CROSS JOIN LATERAL unnest(c.ids, c.block_ids, c.attempts, c.ats, c.pipelines, c.target_languages, c.block_keys)
            AS u (id, block_id, attempt, at, pipeline, target_language, block_key)
        WHERE \(predicate)
        """
    }

    /// The chunked events with ids above `after` and, when given, at most `through` (bigint expressions): the
    /// smallest `limit` of them, in id order, as a parenthesised query with `columns`.
    ///
    /// Which chunks can hold them: those that straddle `after` (first id at or below it, a later one above), found
    /// by their span's index; and those whose first id lies above `after` and at most at `reach`. The reach walks
    /// the chunks above `after` by first id, one index probe each, until they hold `limit` events (or there are no
    /// more): those events all lie at or below the highest last id among them, so the smallest `limit` do too, and a
    /// chunk that starts above it holds none of them. A chunk's ids span only what its statement took while others
    /// ran, so the chunks read are about `limit` events' worth, however far behind the reader is.
    static func chunkedEvents(after: String, through: String? = nil, limit: String) -> String {
        let upper = through.map { " AND first_id <= \($0)" } ?? ""
        let reach = """
            (WITH RECURSIVE walk (first_id, last_id, events) AS (
                 (SELECT first_id, last_id, cardinality(ids) FROM block_event_chunks
                  WHERE first_id > \(after)\(upper) ORDER BY first_id LIMIT 1)
                 UNION ALL
                 (SELECT n.first_id, n.last_id, w.events + cardinality(n.ids)
                  FROM walk w
                  CROSS JOIN LATERAL (
                      SELECT first_id, last_id, ids FROM block_event_chunks
                      WHERE first_id > w.first_id\(upper) ORDER BY first_id LIMIT 1) n
                  WHERE w.events < \(limit)))
             SELECT max(last_id) FROM walk)
            """
        let chunks = """
            ((SELECT * FROM block_event_chunks
              WHERE int8range(first_id, last_id, '[]') @> (\(after) + 1) AND first_id <= \(after))
             UNION ALL
             (SELECT * FROM block_event_chunks WHERE first_id > \(after)\(upper) AND first_id <= \(reach))) c
            """
        let bound = through.map { " AND u.id <= \($0)" } ?? ""
        return """
            (SELECT \(columns) FROM (\(elements(of: chunks, where: "u.id > \(after)\(bound)"))) chunked
             ORDER BY id LIMIT \(limit))
            """
    }

    /// The rows of `block_events` with ids above `after` and, when given, at most `through`: the smallest `limit`,
    /// as a parenthesised query with `columns`. A primary-key range read.
    static func rowEvents(after: String, through: String? = nil, limit: String) -> String {
        let bound = through.map { " AND id <= \($0)" } ?? ""
        return """
            (SELECT \(columns) FROM block_events WHERE id > \(after)\(bound) ORDER BY id LIMIT \(limit))
            """
    }

    /// Every event of the log, in both forms, as a parenthesised subquery with `columns`, for readers that take the
    /// whole log (the benchmark's latencies, tests). `schema`, when given, qualifies the tables.
    public static func everyEvent(schema: String? = nil) -> String {
        let prefix = schema.map { "\($0)." } ?? ""
        return """
            (SELECT \(columns) FROM \(prefix)block_events
             UNION ALL
             \(elements(of: "\(prefix)block_event_chunks c")))
            """
    }

    /// The highest event id of either form, 0 when the log is empty. The chunk with the highest last id starts at
    /// or below the highest first id and ends at or above it, so it is among the chunks whose span holds it.
    static let latestID = """
        SELECT greatest(
            (SELECT max(id) FROM block_events),
            (SELECT max(last_id) FROM block_event_chunks
             WHERE int8range(first_id, last_id, '[]') @> (SELECT max(first_id) FROM block_event_chunks)),
            0) AS id
        """

    /// The rows of `block_events` of the blocks `ids` (a `text[]` expression) names, with `columns`: those written
    /// with their block's key, through `block_events_by_block_key`, and those written without one (events of
    /// blocks older than migration 22, or of a release before it), through `block_events_unkeyed`. Each predicate
    /// names its index's own, so neither can be missed by the planner.
    static func rowsOfBlocks(_ ids: String) -> String {
        """
        SELECT \(rowColumns) FROM blocks kb JOIN block_events e ON e.block_key = kb.key
        WHERE kb.id = ANY (\(ids)) AND kb.key IS NOT NULL AND e.block_key IS NOT NULL
        UNION ALL
        SELECT \(rowColumns) FROM block_events e WHERE e.block_key IS NULL AND e.block_id = ANY (\(ids))
        """
    }

    /// The chunked events of the blocks `ids` names, with `columns`, through the GIN index on the chunks' block
    /// keys (a bitmap scan: a store that turns bitmap scans off must turn them on for this; see `loggedOutcomes`).
    static func chunkedEventsOfBlocks(_ ids: String) -> String {
        elements(
            of: "blocks kb JOIN block_event_chunks c ON c.block_keys @> ARRAY[kb.key]",
            where: "kb.id = ANY (\(ids)) AND kb.key IS NOT NULL AND u.block_key = kb.key")
    }

    /// Every event of the blocks `ids` names, in both forms, as a parenthesised subquery with `columns`.
    static func eventsOfBlocks(_ ids: String) -> String {
        "(\(rowsOfBlocks(ids))\nUNION ALL\n\(chunkedEventsOfBlocks(ids)))"
    }

    /// `columns` of the rows aliased `e`.
    private static let rowColumns = """
        e.id, e.block_id, e.from_state, e.to_state, e.instance_id, e.attempt, e.reason, e.error_class, e.error, e.at,
        e.pipeline, e.target_language, e.block_key
        """
}
