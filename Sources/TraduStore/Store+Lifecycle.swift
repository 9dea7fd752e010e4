import TraduCore
import TraduPostgres

/// One batch of a prune: what it deleted, and where the next batch starts (nil when the walk is over).
public struct PruneBatch: Sendable, Equatable {
    public var deleted: Int
    public var next: String?
}

/// What erasing one document touched.
public struct ErasureCounts: Sendable, Equatable {
    /// Block contents and result versions the document's record was removed from, memory entries deleted.
    public var contents = 0
    public var results = 0
    public var memoryEntries = 0
    /// Whether the document was found in any content (a repeated erasure, or an id never applied, finds none; the
    /// tombstone is recorded either way).
    public var found: Bool { contents > 0 }
}

/// Retention and erasure (`tradu prune`, `tradu erase`). Every prune statement is one bounded batch in its own
/// transaction, walking a primary key from where the previous batch stopped: no long transaction, no long-held
/// snapshot, and the whole walk reads each row once.
extension Store {
    /// Deletes the events among the next `limit` (by id, after `after`) that are older than `age`. Ids grow with
    /// time, so the walk ends at the first batch that reaches an event younger than `age`.
    ///
    /// Both of the log's forms are walked together: a batch is the next `limit` rows and chunks by id (a chunk by
    /// its first id). A chunk goes whole once its newest event (`at`) is older than `age`, and counts its events.
    public func pruneEvents(olderThan age: DurationValue, after: String?, limit: Int) async throws -> PruneBatch {
        let row = try await connection.query(
            """
            WITH batch AS (
                SELECT id, at, chunk FROM (
                    (SELECT id, at, false AS chunk FROM block_events WHERE id > $1::bigint ORDER BY id LIMIT $2::int)
                    UNION ALL
                    (SELECT first_id, at, true FROM block_event_chunks WHERE first_id > $1::bigint
                     ORDER BY first_id LIMIT $2::int)
                ) units
                ORDER BY id LIMIT $2::int
            ), gone AS (
                DELETE FROM block_events e USING batch b
                WHERE NOT b.chunk AND e.id = b.id AND b.at < now() - $3::bigint * interval '1 millisecond'
                RETURNING 1 AS events
            ), gone_chunks AS (
                DELETE FROM block_event_chunks c USING batch b
                WHERE b.chunk AND c.first_id = b.id AND b.at < now() - $3::bigint * interval '1 millisecond'
                RETURNING cardinality(c.ids) AS events
            )
            SELECT (SELECT max(id) FROM batch) AS last,
                   (SELECT count(*) FROM gone) + (SELECT coalesce(sum(events), 0) FROM gone_chunks) AS deleted,
                   coalesce((SELECT bool_or(at >= now() - $3::bigint * interval '1 millisecond') FROM batch), true)
                       AS reached
            """, [after ?? "0", String(limit), String(age.milliseconds)])[0]
        let deleted = try row.required("deleted", Int.init)
        let reached = row["reached"] == "t"
        return PruneBatch(deleted: deleted, next: reached ? nil : row["last"] ?? nil)
    }

    /// Hands the memory entries of deleted results (`gone`: `memory_key`, `records`) to `translation_memory`: a
    /// result that stood as the entry for its block's one unit (migration 26) takes the entry with it otherwise,
    /// and the memory outlives the results it learned from. Its one record's translation is the entry's.
    static let memoryOfGoneResults = """
        INSERT INTO translation_memory (key, translation)
        SELECT key, translation FROM (
            SELECT memory_key AS key, records::json ->> 'translation' AS translation FROM gone
            WHERE memory_key IS NOT NULL AND records LIKE '{%' AND strpos(rtrim(records, E'\\n'), E'\\n') = 0
        ) m
        WHERE translation IS NOT NULL
        ORDER BY key
        ON CONFLICT (key) DO NOTHING
        """

    /// Deletes the results (every version) of cancelled blocks among the next `limit` blocks by id after `after`.
    /// A cancelled block that comes back (a re-plan restores it, an operator retries it) is translated again, so
    /// its old results are never read; its translations stay in the translation memory.
    public func pruneCancelledResults(after: String?, limit: Int) async throws -> PruneBatch {
        let row = try await connection.query(
            """
            WITH batch AS (
                SELECT id, state FROM blocks WHERE id > $1 ORDER BY id LIMIT $2::int
            ), gone AS (
                DELETE FROM results r USING batch b WHERE r.block_id = b.id AND b.state = 'cancelled'
                RETURNING r.block_id, r.memory_key, r.records
            ), kept AS (
                \(Self.memoryOfGoneResults)
            )
            SELECT (SELECT max(id) FROM batch) AS last, (SELECT count(*) FROM gone) AS deleted
            """, [after ?? "", String(limit)])[0]
        return PruneBatch(deleted: try row.required("deleted", Int.init), next: row["last"] ?? nil)
    }

    /// `pruneResults(keep:)` over the next `limit` blocks by id after `after`: one bounded batch.
    public func pruneResultVersions(keep: Int, after: String?, limit: Int) async throws -> PruneBatch {
        let row = try await connection.query(
            """
            WITH batch AS (
                SELECT id, pipeline, result_spec FROM blocks WHERE id > $2 ORDER BY id LIMIT $3::int
            ), ranked AS (
                SELECT r.block_id, r.spec_hash,
                       row_number() OVER (
                           PARTITION BY r.block_id
                           ORDER BY (r.spec_hash = b.result_spec) DESC, r.completed_at DESC) AS n
                FROM results r JOIN batch b ON b.id = r.block_id
                WHERE NOT EXISTS (
                    SELECT 1 FROM rollouts o WHERE o.pipeline = b.pipeline
                        AND o.phase IN ('progressing', 'analyzing', 'paused', 'rolled_back'))
            ), gone AS (
                DELETE FROM results r USING ranked k
                WHERE r.block_id = k.block_id AND r.spec_hash = k.spec_hash AND k.n > $1::int
                    AND NOT EXISTS (
                        SELECT 1 FROM sink_deliveries d
                        WHERE d.block_id = r.block_id AND d.spec_hash = r.spec_hash AND d.state = 'pending')
                RETURNING r.block_id, r.memory_key, r.records
            ), kept AS (
                \(Self.memoryOfGoneResults)
            )
            SELECT (SELECT max(id) FROM batch) AS last, (SELECT count(*) FROM gone) AS deleted
            """, [String(max(keep, 1)), after ?? "", String(limit)])[0]
        return PruneBatch(deleted: try row.required("deleted", Int.init), next: row["last"] ?? nil)
    }

    /// Deletes, among the next `limit` blocks by id after `after`, those cancelled longer ago than `age`, with
    /// their results, events and delivery records. A block that comes back to the manifests later is planned
    /// afresh.
    public func pruneCancelledBlocks(olderThan age: DurationValue, after: String?, limit: Int) async throws
        -> PruneBatch
    {
        try await connection.transaction { connection in
            let rows = try connection.query(
                """
                WITH batch AS (
                    SELECT id, state, updated_at FROM blocks WHERE id > $1 ORDER BY id LIMIT $2::int
                )
                SELECT (SELECT max(id) FROM batch) AS last,
                       (SELECT array_agg(id) FROM batch
                        WHERE state = 'cancelled' AND updated_at < now() - $3::bigint * interval '1 millisecond')
                           AS doomed
                """, [after ?? "", String(limit), String(age.milliseconds)])
            let last = rows[0]["last"] ?? nil
            guard let doomed = rows[0]["doomed"] ?? nil else { return PruneBatch(deleted: 0, next: last) }
            try connection.query(
                """
                WITH gone AS (
                    DELETE FROM results WHERE block_id = ANY($1::text[]) RETURNING memory_key, records
                )
                \(Self.memoryOfGoneResults)
                """, [doomed])
            for table in ["sink_deliveries", "rollout_blocks"] {
                try connection.query("DELETE FROM \(table) WHERE block_id = ANY($1::text[])", [doomed])
            }
            try connection.query(
                "DELETE FROM block_events WHERE id IN (SELECT id FROM (\(EventLogSQL.rowsOfBlocks("$1::text[]"))) e)",
                [doomed])
            try Self.removeChunkedEvents(ofBlocks: doomed, connection)
            // The conditions again: a re-plan may have restored the block since the batch was read.
            let deleted =
                try connection.query(
                    """
                    WITH gone AS (
                        DELETE FROM blocks WHERE id = ANY($1::text[]) AND state = 'cancelled'
                            AND updated_at < now() - $2::bigint * interval '1 millisecond'
                        RETURNING id, block_hash
                    ), unmapped AS (
                        DELETE FROM content_blocks m USING gone g WHERE m.block_hash = g.block_hash AND m.block_id = g.id
                    )
                    SELECT count(*) AS n FROM gone
                    """, [doomed, String(age.milliseconds)]
                ).first?.required("n", Int.init) ?? 0
            return PruneBatch(deleted: deleted, next: last)
        }
    }

    /// Removes the events of the blocks `ids` (a text array literal) from the chunks that hold them: a chunk of
    /// theirs alone goes, any other is written again without them, its bounds (`first_id`, `last_id`, `at`) those of
    /// the events it keeps. Found by the GIN index on the chunks' block keys.
    static func removeChunkedEvents(ofBlocks ids: String, _ connection: isolated PostgresConnection) throws {
        let keys = "(SELECT array_agg(key) FROM blocks WHERE id = ANY($1::text[]) AND key IS NOT NULL)"
        try connection.query(
            """
            DELETE FROM block_event_chunks WHERE block_keys && \(keys) AND block_keys <@ \(keys)
            """, [ids])
        try connection.query(
            """
            WITH doomed AS (SELECT \(keys) AS keys), kept AS (
                SELECT c.first_id AS chunk, max(u.at) AS at, array_agg(u.id ORDER BY u.id) AS ids,
                       array_agg(u.block_id ORDER BY u.id) AS block_ids,
                       array_agg(u.block_key ORDER BY u.id) AS block_keys,
                       array_agg(u.attempt ORDER BY u.id) AS attempts, array_agg(u.at ORDER BY u.id) AS ats,
                       CASE WHEN bool_and(c.pipelines IS NULL) THEN NULL
                            ELSE array_agg(u.pipeline ORDER BY u.id) END AS pipelines,
                       CASE WHEN bool_and(c.target_languages IS NULL) THEN NULL
                            ELSE array_agg(u.target_language ORDER BY u.id) END AS target_languages
                FROM doomed d
                JOIN block_event_chunks c ON c.block_keys && d.keys
                CROSS JOIN LATERAL unnest(c.ids, c.block_ids, c.block_keys, c.attempts, c.ats, c.pipelines,
                                          c.target_languages)
                    AS u (id, block_id, block_key, attempt, at, pipeline, target_language)
                WHERE u.block_key <> ALL (d.keys)
                GROUP BY c.first_id
            )
            UPDATE block_event_chunks c
            SET first_id = k.ids[1], last_id = k.ids[cardinality(k.ids)], at = k.at, ids = k.ids,
                block_ids = k.block_ids, block_keys = k.block_keys, attempts = k.attempts, ats = k.ats,
                pipelines = k.pipelines, target_languages = k.target_languages
            FROM kept k WHERE c.first_id = k.chunk
            """, [ids])
    }

    /// Deletes, among the next `limit` block contents by hash after `after`, those no block references, and
    /// drops them from the document index.
    public func pruneUnreferencedContents(after: String?, limit: Int) async throws -> PruneBatch {
        try await connection.transaction { connection in
            let rows = try connection.query(
                """
                WITH batch AS (
                    SELECT hash FROM block_contents WHERE hash > $1 ORDER BY hash LIMIT $2::int
                ), gone AS (
                    DELETE FROM block_contents c USING batch b
                    WHERE c.hash = b.hash
                        AND NOT EXISTS (SELECT 1 FROM content_blocks x JOIN blocks k ON k.id = x.block_id
                                        WHERE x.block_hash = c.hash)
                    RETURNING c.hash
                ), unmapped AS (
                    DELETE FROM content_blocks m USING gone g WHERE m.block_hash = g.hash
                )
                SELECT (SELECT max(hash) FROM batch) AS last,
                       (SELECT array_agg(hash) FROM gone) AS gone
                """, [after ?? "", String(limit)])
            let last = rows[0]["last"] ?? nil
            guard let gone = rows[0]["gone"] ?? nil else { return PruneBatch(deleted: 0, next: last) }
            let count = try Self.forgetInIndex(contents: gone, connection)
            return PruneBatch(deleted: count, next: last)
        }
    }

    /// Rewrites the document-index rows that name any of `contents` (a text array literal of hashes) without
    /// them; returns how many contents there were.
    private static func forgetInIndex(contents: String, _ connection: isolated PostgresConnection) throws -> Int {
        let hashes = try connection.query(
            "SELECT cardinality($1::text[]) AS n, array_agg(h::uuid) AS ids FROM unnest($1::text[]) AS h", [contents])
        guard let ids = hashes[0]["ids"] ?? nil else { return 0 }
        try connection.query(
            """
            WITH old AS (
                DELETE FROM document_index d WHERE d.contents && $1::uuid[]
                RETURNING d.bucket, d.keys, d.contents
            ), numbered AS (
                SELECT row_number() OVER () AS n, * FROM old
            )
            INSERT INTO document_index (bucket, keys, contents)
            SELECT o.bucket, array_agg(u.key ORDER BY u.key, u.content), array_agg(u.content ORDER BY u.key, u.content)
            FROM numbered o, unnest(o.keys, o.contents) AS u (key, content)
            WHERE u.content <> ALL ($1::uuid[])
            GROUP BY o.n, o.bucket
            """, [ids])
        return try hashes[0].required("n", Int.init)
    }

    /// The tombstones of every erased document, by dataset.
    public func erasedDocuments() async throws -> ErasedDocuments {
        var hashes: [String: Set<String>] = [:]
        for row in try await connection.query("SELECT dataset, tombstone FROM erased_documents") {
            hashes[try row.required("dataset"), default: []].insert(try row.required("tombstone"))
        }
        return ErasedDocuments(hashes: hashes)
    }

    /// Erases document `id` of `dataset` in one transaction: its record leaves every block content that holds it
    /// and every result version of the blocks on those contents, the translation-memory entries `memoryKeys` go,
    /// and its tombstone is recorded.
    ///
    /// The blocks on those contents are locked first, so no worker commits a result for one of them meanwhile; a
    /// block a worker holds goes back to the queue (`document erased`), which fences that worker's result out,
    /// and is translated again from the content without the document.
    public func erase(dataset: String, id: String, memoryKeys: Set<String>) async throws -> ErasureCounts {
        let key = DocumentKey(documentID: id)
        let tombstone = ErasedDocuments.tombstone(dataset: dataset, id: id)
        let (counts, made) = try await connection.transaction { connection in
            var counts = ErasureCounts()
            var made: [BlockTransition] = []
            let holding = try connection.query(
                """
                SELECT c.hash FROM block_contents c
                WHERE c.dataset = $3 AND c.hash IN (
                    SELECT replace(u.content::text, '-', '')
                    FROM document_index d, unnest(d.keys, d.contents) AS u (key, content)
                    WHERE d.bucket = $1::int AND u.key = $2::bigint)
                  AND \(Self.withoutRecord("c.records", idParameter: "$4")) <> c.records
                ORDER BY c.hash
                FOR UPDATE
                """, [String(key.bucket), String(key.value), dataset, id]
            ).compactMap { $0["hash"] ?? nil }
            if !holding.isEmpty {
                let hashes = SQLText.arrayLiteral(holding)
                try connection.query(
                    """
                    SELECT id FROM blocks
                    WHERE id IN (SELECT block_id FROM content_blocks WHERE block_hash = ANY($1::text[]))
                    ORDER BY id FOR UPDATE
                    """, [hashes])
                for row in try connection.query(
                    """
                    WITH held AS (
                        SELECT id, state FROM blocks
                        WHERE id IN (SELECT block_id FROM content_blocks WHERE block_hash = ANY($1::text[]))
                            AND state IN ('claimed', 'in_process')
                    ), taken AS (
                        UPDATE blocks b SET state = 'enqueued', run_at = now(), enqueued_at = now(), lease_owner = NULL,
                                            lease_expires_at = NULL, updated_at = now()
                        FROM held h WHERE b.id = h.id
                        RETURNING b.id, b.key, b.pipeline, b.attempt, h.state AS from_state
                    ), logged AS (
                        INSERT INTO block_events (block_id, block_key, from_state, to_state, attempt, reason)
                        SELECT id, key, from_state, 'enqueued', attempt, 'document erased' FROM taken
                    )
                    SELECT id, pipeline, attempt, from_state FROM taken ORDER BY id
                    """, [hashes])
                {
                    made.append(
                        BlockTransition(
                            blockID: try row.required("id"), pipeline: try row.required("pipeline"),
                            from: BlockState(rawValue: try row.required("from_state")), to: .enqueued,
                            attempt: try row.required("attempt", Int.init),
                            instanceID: nil, reason: "document erased", errorClass: nil, error: nil))
                }
                counts.contents =
                    try connection.query(
                        """
                        UPDATE block_contents c
                        SET records = w.records, byte_count = octet_length(w.records), record_count = c.record_count - 1
                        FROM (SELECT hash, \(Self.withoutRecord("records", idParameter: "$2")) AS records
                              FROM block_contents WHERE hash = ANY($1::text[])) AS w
                        WHERE c.hash = w.hash
                        """, [hashes, id]
                    ).affectedRows ?? 0
                counts.results =
                    try connection.query(
                        """
                        UPDATE results r SET records = \(Self.withoutRecord("r.records", idParameter: "$2"))
                        FROM content_blocks m
                        WHERE m.block_id = r.block_id AND m.block_hash = ANY($1::text[])
                        """, [hashes, id]
                    ).affectedRows ?? 0
            }
            if !memoryKeys.isEmpty {
                let keys = SQLText.arrayLiteral(memoryKeys.sorted())
                counts.memoryEntries =
                    try connection.query("DELETE FROM translation_memory WHERE key = ANY($1::text[])", [keys])
                    .affectedRows ?? 0
                // Results that stand as the memory's entry for a key (migration 26), another document's too, as the
                // shared row above: the memory forgets the text; the results keep their records.
                counts.memoryEntries +=
                    try connection.query(
                        "UPDATE results SET memory_key = NULL WHERE memory_key = ANY($1::text[])", [keys]
                    ).affectedRows ?? 0
            }
            try connection.query(
                "INSERT INTO erased_documents (dataset, tombstone) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [dataset, tombstone])
            return (counts, made)
        }
        report(made)
        return counts
    }

    /// JSON Lines `column` without the line whose `id` is the parameter: every line of a content or a result is
    /// one record object with its document's `id`.
    private static func withoutRecord(_ column: String, idParameter: String) -> String {
        """
        coalesce((
            SELECT string_agg(line, E'\\n' ORDER BY n) || E'\\n'
            FROM regexp_split_to_table(rtrim(\(column), E'\\n'), E'\\n') WITH ORDINALITY AS l (line, n)
            WHERE line <> '' AND (line::jsonb ->> 'id') IS DISTINCT FROM \(idParameter)
        ), '')
        """
    }
}
