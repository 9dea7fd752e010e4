import TraduCore
import TraduPostgres

/// The `block_events` rows of one hot transition statement (a scheduling step, a claim, a completion), written by
/// `COPY` in the statement's transaction rather than by an `INSERT` inside it.
///
/// Why: `COPY` stores the rows of a page with one WAL record (`heap_multi_insert`), where an `INSERT ... SELECT` logs
/// each row alone: 57 B of WAL less an event on the bench's durable server (285 against 342 B, entries of both indexes
/// included, 2026-12-07), so about 170 B a block over its three transitions. PostgreSQL takes that path only when no
/// column it fills in by itself is volatile, and `at` defaults to `clock_timestamp()`: so `at` is sent, as the
/// transition statement's own `clock_timestamp()` (a `RETURNING` column), which is when the block changed state.
///
/// With `chunked`, the events of blocks with a key go instead into one row of `block_event_chunks` (migration 27),
/// their arrays in the order they were appended and their ids taken from `block_events_id_seq` in that order. That is
/// the default (`Store.writesEventChunks`); the release before this one learned to read it first, so that a rollback
/// still reads what was written.
///
/// The events stay in the transaction that makes their transitions (one event per transition, never one without
/// the other). The rarer transitions (failures, releases, watchdogs, operators, rollouts) keep their `INSERT`s.
struct TransitionEvents {
    /// The transition every row records.
    let from: BlockState?
    let to: BlockState
    let reason: String
    /// Whether the rows carry their block's labels (`pipeline`, `target_language`; `StoreMigrations.eventLabels`).
    let labelled: Bool
    /// Whether events of blocks with a key are written as a chunk.
    let chunked: Bool

    private(set) var rows: [[String?]] = []

    init(
        from: BlockState?, to: BlockState, reason: String, labelled: Bool = false, chunked: Bool = false,
        capacity: Int = 0
    ) {
        self.from = from
        self.to = to
        self.reason = reason
        self.labelled = labelled
        self.chunked = chunked
        rows.reserveCapacity(capacity)
    }

    /// One event. `key` and `at` come from the transition statement's row (`blocks.key`, its `clock_timestamp()`
    /// as text, which `COPY` reads back in the same session's format).
    mutating func append(
        blockID: String, key: String?, instanceID: String?, attempt: String, at: String, pipeline: String? = nil,
        targetLanguage: String? = nil
    ) {
        var row: [String?] = [blockID, key, from?.rawValue, to.rawValue, instanceID, attempt, reason, at]
        if labelled { row += [pipeline, targetLanguage] }
        rows.append(row)
    }

    /// `COPY`s the rows into `block_events`, in the caller's transaction; when `chunked`, inserts the events of
    /// blocks with a key as one chunk per instance (a statement's events share one) and copies the rest.
    func write(on connection: isolated PostgresConnection) throws {
        guard !rows.isEmpty else { return }
        guard chunked else {
            try connection.copyIn(sql: labelled ? Self.labelledCopySQL : Self.copySQL, smallBatch: rows)
            return
        }
        var unkeyed: [[String?]] = []
        var chunks: [String?: [[String?]]] = [:]
        var instances: [String?] = []
        for row in rows {
            guard row[Column.key] != nil else {
                unkeyed.append(row)
                continue
            }
            let instance = row[Column.instance]
            if chunks[instance] == nil { instances.append(instance) }
            chunks[instance, default: []].append(row)
        }
        if !unkeyed.isEmpty {
            try connection.copyIn(sql: labelled ? Self.labelledCopySQL : Self.copySQL, smallBatch: unkeyed)
        }
        for instance in instances {
            try insertChunk(of: chunks[instance] ?? [], instance: instance, on: connection)
        }
    }

    /// Positions in a row.
    private enum Column {
        static let block = 0
        static let key = 1
        static let instance = 4
        static let attempt = 5
        static let at = 7
        static let pipeline = 8
        static let targetLanguage = 9
    }

    private func insertChunk(of rows: [[String?]], instance: String?, on connection: isolated PostgresConnection)
        throws
    {
        func column(_ index: Int) -> String { SQLText.arrayLiteral(rows.lazy.map { $0[index] }) }
        try connection.query(
            Self.chunkSQL,
            [
                from?.rawValue, to.rawValue, instance, reason, column(Column.block), column(Column.key),
                column(Column.attempt), column(Column.at), labelled ? column(Column.pipeline) : nil,
                labelled ? column(Column.targetLanguage) : nil,
            ])
    }

    /// One chunk: `$5` to `$10` its arrays; the ids, one per event in order, from the rows' sequence.
    static let chunkSQL = """
        INSERT INTO block_event_chunks (first_id, last_id, from_state, to_state, instance_id, reason, at, ids,
                                        block_ids, block_keys, attempts, ats, pipelines, target_languages)
        SELECT s.ids[1], s.ids[cardinality(s.ids)], $1, $2, $3, $4, (SELECT max(a) FROM unnest($8::timestamptz[]) a),
               s.ids, $5::text[], $6::bigint[], $7::int[], $8::timestamptz[], $9::text[], $10::text[]
        FROM (SELECT array_agg(nextval('block_events_id_seq') ORDER BY g) AS ids
              FROM generate_series(1, cardinality($5::text[])) g) s
        """

    static let copySQL = """
        COPY block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason, at) FROM STDIN
        """

    static let labelledCopySQL = """
        COPY block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason, at, pipeline,
                           target_language) FROM STDIN
        """
}
