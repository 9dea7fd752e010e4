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
/// The events stay in the transaction that makes their transitions (one event per transition, never one without
/// the other). The rarer transitions (failures, releases, watchdogs, operators, rollouts) keep their `INSERT`s.
struct TransitionEvents {
    /// The transition every row records.
    let from: BlockState?
    let to: BlockState
    let reason: String
    /// Whether the rows carry their block's labels (`pipeline`, `target_language`; `StoreMigrations.eventLabels`).
    let labelled: Bool

    private(set) var rows: [[String?]] = []

    init(from: BlockState?, to: BlockState, reason: String, labelled: Bool = false, capacity: Int = 0) {
        self.from = from
        self.to = to
        self.reason = reason
        self.labelled = labelled
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

    /// `COPY`s the rows into `block_events`, in the caller's transaction.
    func write(on connection: isolated PostgresConnection) throws {
        guard !rows.isEmpty else { return }
        try connection.copyIn(sql: labelled ? Self.labelledCopySQL : Self.copySQL, smallBatch: rows)
    }

    static let copySQL = """
        COPY block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason, at) FROM STDIN
        """

    static let labelledCopySQL = """
        COPY block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason, at, pipeline,
                           target_language) FROM STDIN
        """
}
