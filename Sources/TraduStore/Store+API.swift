import TraduCore
import TraduPostgres

/// Filters of the API's block list; every one optional.
public struct BlockPageFilter: Sendable, Hashable {
    public var state: BlockState?
    public var pipeline: String?
    public var targetLanguage: String?
    public var errorClass: String?
    public var dataset: String?

    public init(
        state: BlockState? = nil, pipeline: String? = nil, targetLanguage: String? = nil, errorClass: String? = nil,
        dataset: String? = nil
    ) {
        self.state = state
        self.pipeline = pipeline
        self.targetLanguage = targetLanguage
        self.errorClass = errorClass
        self.dataset = dataset
    }
}

/// A block's stored result version, for the API.
public struct StoredResultVersion: Sendable, Hashable {
    public var specHash: String
    public var attempt: Int
    public var current: Bool
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var records: String
    public var completedAt: String
}

extension Store {
    /// The highest block event id (0 when there is none), in either of the log's forms: where a stream that
    /// starts now begins.
    public func latestEventID() async throws -> Int64 {
        try await connection.query(EventLogSQL.latestID).first?.required("id", Int64.init) ?? 0
    }

    /// Block events for the API's stream: those above `after` (the smallest `limit`, in id order), then those
    /// inside `gaps` (ranges of ids the reader is watching, the smallest `limit` of each), in one statement: a
    /// reader watching 64 gaps costs the database one round trip per read, not 65. Each part a primary-key range
    /// read of each of the log's forms (`EventLogSQL`); no join: an event that schedules a block carries its labels
    /// (`eventLabels`), and the reader asks `blockLabels` only for blocks whose scheduling it did not see.
    ///
    /// Each form gives its own smallest `limit` of a part; the union is cut here to the smallest `limit` of both,
    /// before the reader's gap tracking sees it: an event of one form left out while a later one of the other came
    /// in would look to the reader like an id still in flight.
    ///
    /// The reader's work lands on the runtime's database, so the statement is kept lean: only the columns the
    /// stream shows, the time as the server writes it (formatted by the reader, not by the database: `to_char` was
    /// a fifth of the statement's time), and no sort of the rows (the reader orders by id itself; only the
    /// chunks' events, a few hundred at most, are sorted). Open the reader's store with `prepareEventLogReader()`.
    public func streamEvents(after: Int64, gaps: [ClosedRange<Int64>] = [], limit: Int) async throws
        -> [StreamedEvent]
    {
        let limit = max(0, limit)
        let parameters: [String?] =
            gaps.isEmpty
            ? [String(after), String(limit)]
            : [
                String(after), "{" + gaps.map { String($0.lowerBound) }.joined(separator: ",") + "}",
                "{" + gaps.map { String($0.upperBound) }.joined(separator: ",") + "}", String(limit),
            ]
        let rows = try await connection.query(Self.streamEventsSQL(gaps: !gaps.isEmpty), parameters)
        let events = try rows.map { row in
            let event = try Self.event(row, at: try row.required("at", PostgresTimestamp.rfc3339Milliseconds))
            var label: BlockLabel?
            if let pipeline = row["pipeline"], let targetLanguage = row["target_language"] {
                label = BlockLabel(pipeline: pipeline, targetLanguage: targetLanguage)
            }
            return StreamedEvent(event: event, label: label)
        }
        return Self.smallest(limit, of: events, after: after, gaps: gaps)
    }

    /// Of `events`, the smallest `limit` ids above `after` and the smallest `limit` inside each of `gaps`, in id
    /// order.
    static func smallest(_ limit: Int, of events: [StreamedEvent], after: Int64, gaps: [ClosedRange<Int64>])
        -> [StreamedEvent]
    {
        var taken: [Int: Int] = [:]
        var kept: [StreamedEvent] = []
        for event in events.sorted(by: { $0.event.sequence < $1.event.sequence }) {
            let id = event.event.sequence
            let part = id > after ? -1 : gaps.firstIndex { $0.contains(id) }
            guard let part, taken[part, default: 0] < limit else { continue }
            taken[part, default: 0] += 1
            kept.append(event)
        }
        return kept
    }

    /// `streamEvents`' statement: `$1` after, `$2` limit; with gaps `$2` and `$3` their bounds and `$4` the limit.
    static func streamEventsSQL(gaps: Bool) -> String {
        let columns = """
            id, block_id, from_state, to_state, instance_id, attempt, reason, error_class, error, pipeline,
            target_language, at
            """
        let limit = gaps ? "$4::int" : "$2::int"
        let above = """
            \(EventLogSQL.rowEvents(after: "$1::bigint", limit: limit))
            UNION ALL
            \(EventLogSQL.chunkedEvents(after: "$1::bigint", limit: limit))
            """
        guard gaps else { return "SELECT \(columns) FROM (\(above)) e" }
        return """
            SELECT \(columns)
            FROM (
                \(above)
                UNION ALL
                SELECT found.*
                FROM unnest($2::bigint[], $3::bigint[]) AS gap (low, high)
                CROSS JOIN LATERAL (
                    \(EventLogSQL.rowEvents(after: "gap.low - 1", through: "gap.high", limit: limit))
                    UNION ALL
                    \(EventLogSQL.chunkedEvents(after: "gap.low - 1", through: "gap.high", limit: limit))
                ) found
            ) e
            """
    }

    /// The pipeline and target language of each block in `ids` that exists.
    public func blockLabels(_ ids: [String]) async throws -> [String: BlockLabel] {
        guard !ids.isEmpty else { return [:] }
        var labels: [String: BlockLabel] = [:]
        for row in try await connection.query(
            "SELECT id, pipeline, target_language FROM blocks WHERE id = ANY($1::text[])",
            [SQLText.arrayLiteral(ids)])
        {
            labels[try row.required("id")] = BlockLabel(
                pipeline: try row.required("pipeline"), targetLanguage: try row.required("target_language"))
        }
        return labels
    }

    /// A block event's row; `at` when its time came in another form than RFC 3339 text (the stream's).
    static func event(_ row: PostgresRow, at: String? = nil) throws -> BlockEvent {
        BlockEvent(
            sequence: try row.required("id", Int64.init), blockID: try row.required("block_id"),
            fromState: row["from_state"].flatMap(BlockState.init(rawValue:)),
            toState: try row.required("to_state", BlockState.init(rawValue:)), instanceID: row["instance_id"],
            attempt: try row.required("attempt", Int.init), reason: row["reason"], errorClass: row["error_class"],
            error: row["error"], at: try at ?? row.required("at"))
    }

    /// One page of blocks in id order after `after` (keyset pagination: never OFFSET, never a count), at most
    /// `limit`; the next page starts after the last id returned.
    public func blockPage(_ filter: BlockPageFilter, after: String?, limit: Int) async throws -> [BlockSummary] {
        try await connection.query(
            """
            SELECT id, pipeline, target_language, state, attempt, attempt_base, error_class, last_error,
                   \(SQLText.rfc3339("updated_at")) AS updated_at
            FROM blocks
            WHERE ($1::text IS NULL OR id > $1) AND ($2::text IS NULL OR state = $2)
                AND ($3::text IS NULL OR pipeline = $3) AND ($4::text IS NULL OR target_language = $4)
                AND ($5::text IS NULL OR error_class = $5)
                AND ($6::text IS NULL OR pipeline IN (SELECT name FROM pipelines WHERE dataset = $6))
            ORDER BY id
            LIMIT $7::int
            """,
            [
                after, filter.state?.rawValue, filter.pipeline, filter.targetLanguage, filter.errorClass,
                filter.dataset, String(max(0, limit)),
            ]
        ).map { row in
            BlockSummary(
                id: try row.required("id"), pipeline: try row.required("pipeline"),
                targetLanguage: try row.required("target_language"),
                state: try row.required("state", BlockState.init(rawValue:)),
                attempt: try row.required("attempt", Int.init), attemptBase: try row.required("attempt_base", Int.init),
                errorClass: row["error_class"], lastError: row["last_error"], updatedAt: try row.required("updated_at"))
        }
    }

    /// One page of a block's events in order, after event `after` (0 for the first), at most `limit`.
    public func eventPage(blockID: String, after: Int64, limit: Int) async throws -> [BlockEvent] {
        try await connection.query(
            """
            SELECT id, block_id, from_state, to_state, instance_id, attempt, reason, error_class, error,
                   \(RuntimeSQL.rfc3339Milliseconds("at")) AS at
            FROM \(EventLogSQL.eventsOfBlocks("ARRAY[$1::text]")) AS e WHERE id > $2::bigint ORDER BY id LIMIT $3::int
            """, [blockID, String(after), String(max(0, limit))]
        ).map { try Self.event($0) }
    }

    /// The stored result versions of a block, the current one first.
    public func resultVersions(blockID: String) async throws -> [StoredResultVersion] {
        var versions = try await connection.query(
            """
            SELECT r.spec_hash, r.attempt, r.spec_hash = b.result_spec AS current, r.input_tokens, r.output_tokens,
                   r.records, \(SQLText.rfc3339("r.completed_at")) AS completed_at
            FROM results r JOIN blocks b ON b.id = r.block_id
            WHERE r.block_id = $1
            ORDER BY (r.spec_hash = b.result_spec) DESC, r.completed_at DESC
            """, [blockID]
        ).map { row in
            StoredResultVersion(
                specHash: try row.required("spec_hash"), attempt: try row.required("attempt", Int.init),
                current: row["current"] == "t", inputTokens: try row.required("input_tokens", Int64.init),
                outputTokens: try row.required("output_tokens", Int64.init), records: try row.required("records"),
                completedAt: try row.required("completed_at"))
        }
        let records = try await withSources(versions.map(\.records), of: versions.map { _ in blockID })
        for index in versions.indices { versions[index].records = records[index] ?? versions[index].records }
        return versions
    }

    /// One block's summary, or nil.
    public func blockSummary(id: String) async throws -> BlockSummary? {
        try await connection.query(
            """
            SELECT id, pipeline, target_language, state, attempt, attempt_base, error_class, last_error,
                   \(SQLText.rfc3339("updated_at")) AS updated_at
            FROM blocks WHERE id = $1
            """, [id]
        ).map { row in
            BlockSummary(
                id: try row.required("id"), pipeline: try row.required("pipeline"),
                targetLanguage: try row.required("target_language"),
                state: try row.required("state", BlockState.init(rawValue:)),
                attempt: try row.required("attempt", Int.init),
                attemptBase: try row.required("attempt_base", Int.init), errorClass: row["error_class"],
                lastError: row["last_error"], updatedAt: try row.required("updated_at"))
        }.first
    }
}
