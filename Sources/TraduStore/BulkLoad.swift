import TraduPostgres

/// A first apply into an empty environment, loaded the way `pg_restore` loads: the block tables' keys, indexes and
/// foreign keys are dropped inside the apply's transaction, the rows go in, and each index is then built once by
/// sorting, each foreign key checked by one join.
///
/// Why: an index on random keys (block ids, content hashes) takes every insert to a random leaf page. Once the
/// index outgrows `shared_buffers` (a 10M-block environment's are several GB), each insert evicts a page and
/// writes a full page image to the WAL after every checkpoint, so a row-by-row load costs more per block the
/// larger it is. A sorted build costs the same per entry at any size and writes each page once. The per-row
/// foreign-key trigger (a fifth of a row-by-row load) becomes one join.
///
/// The definitions are read from the catalog, not repeated here, so they are rebuilt exactly as the migrations
/// made them. Readers of these tables wait for the apply's commit (their locks are exclusive until then): that
/// is why it is kept for first applies, when nothing is running on blocks that do not exist yet. Any
/// error rolls the drop back with the rest of the apply.
public struct BulkLoad: Sendable {
    /// The fewest new blocks for which a first apply loads this way. Measured on a durable server (2026-12-05), the
    /// bulk path's fixed cost (dropping and rebuilding a dozen keys and indexes) is repaid from about 2,000 blocks:
    /// at 5,000 a first apply takes 26% less time, at 50,000 38% less; at 200 it takes 50% more.
    public static let defaultMinimum = 5_000

    /// The memory each index build may sort in (shared with its parallel workers), for this apply only.
    static let sortMemory = "512MB"

    /// The tables whose indexes and keys are rebuilt.
    static let tables = ["block_contents", "blocks", "block_events", "content_blocks"]

    /// Indexes left in place: partial indexes whose predicate no new row meets (every new block is `created`, every
    /// new event names its block's key), so the load adds nothing to them, while rebuilding each would read the
    /// whole table again (8 ms each at 20,000 blocks, a second or more at ten million, on the apply's critical path).
    static let keptInPlace = ["blocks_claimable", "blocks_lease_owner", "block_events_unkeyed"]

    /// The column statistics a bulk load gathers (see `finish`).
    static let analyzed = "blocks (pipeline, target_language)"

    /// Statements that restore what was dropped, in order: keys, then indexes, then foreign keys.
    private let rebuild: [String]

    /// Drops the tables' keys, indexes and foreign keys when `newBlocks` reaches `minimum` and the environment
    /// holds no block; nil (nothing dropped) otherwise. Call after the environment's row is locked, so no other
    /// apply can add blocks meanwhile (workers never do).
    static func startIfWorthIt(newBlocks: Int, minimum: Int, _ connection: isolated PostgresConnection) throws
        -> BulkLoad?
    {
        guard newBlocks >= minimum else { return nil }
        let empty = try connection.query("SELECT NOT EXISTS (SELECT 1 FROM blocks) AS empty")
        guard try empty.first?.required("empty") == "t" else { return nil }
        let tables = SQLText.arrayLiteral(Self.tables)
        let constraints = try connection.query(
            """
            SELECT c.conrelid::regclass::text AS "table", quote_ident(c.conname) AS name, c.contype AS kind,
                   pg_get_constraintdef(c.oid) AS definition
            FROM pg_constraint c
            WHERE c.contype IN ('p', 'u', 'f')
              AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))
            ORDER BY c.contype <> 'f', c.conname
            """, [tables])
        let indexes = try connection.query(
            """
            SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
            FROM pg_index i
            WHERE i.indrelid = ANY($1::regclass[])
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
              AND NOT (i.indexrelid::regclass::text = ANY($2::text[]) AND i.indpred IS NOT NULL)
            ORDER BY 1
            """, [tables, SQLText.arrayLiteral(Self.keptInPlace)])
        var keys: [String] = []
        var foreignKeys: [String] = []
        // Foreign keys first (they depend on the keys they reference), then keys, then the plain indexes.
        for row in constraints {
            let table = try row.required("table")
            let name = try row.required("name")
            try connection.execute("ALTER TABLE \(table) DROP CONSTRAINT \(name)")
            let add = "ALTER TABLE \(table) ADD CONSTRAINT \(name) \(try row.required("definition"))"
            if try row.required("kind") == "f" { foreignKeys.append(add) } else { keys.append(add) }
        }
        var plain: [String] = []
        for row in indexes {
            try connection.execute("DROP INDEX \(try row.required("name"))")
            plain.append(try row.required("definition"))
        }
        return BulkLoad(rebuild: keys + plain + foreignKeys)
    }

    /// Adds the new blocks, all of them `created` with a `planned` event, without the upsert's lookups: the
    /// environment had no block, so none is restored. They are copied, and so numbered, in the order of their ids
    /// (`NewBlockRows.inIDOrder`). Answers the events when `reporting`.
    func addBlocks(
        _ blocks: NewBlockRows, revision: Int64, reporting: Bool, _ connection: isolated PostgresConnection
    ) throws -> PostgresRows {
        let revision = String(revision)
        try connection.execute("ALTER TABLE blocks DISABLE TRIGGER blocks_content_blocks")
        try connection.copyIn(
            sql: """
                COPY blocks (id, pipeline, block_hash, target_language, ordinal, spec_hash, priority, revision)
                FROM STDIN
                """,
            rows: blocks.inIDOrder().lazy.map { block -> [String?] in
                [
                    block.id, block.pipeline, block.blockHash, block.targetLanguage, String(block.ordinal),
                    block.specHash, String(block.priority), revision,
                ]
            })
        // Written here rather than by `blocks_content_blocks`, turned off for this transaction: the trigger would
        // hold every new row in memory, and spill gigabytes to disk at ten million blocks.
        try connection.query(
            "INSERT INTO content_blocks (block_hash, block_id) SELECT block_hash, id FROM blocks ORDER BY 1, 2")
        try connection.execute("ALTER TABLE blocks ENABLE TRIGGER blocks_content_blocks")
        // The pipeline is left out of the answer (the caller has it from the plan): looking it up per event would
        // scan the table, which has no index yet.
        return try connection.query(
            """
            INSERT INTO block_events (block_id, block_key, from_state, to_state, attempt, reason)
            SELECT id, key, NULL, 'created', 0, 'planned' FROM blocks
            \(reporting ? "RETURNING block_id, NULL AS pipeline, from_state, to_state, instance_id, attempt, reason" : "")
            """)
    }

    /// Builds every key and index again and checks every foreign key: a duplicate id or a block whose content is
    /// missing fails here, and the whole apply rolls back. Then gathers `analyzed`.
    ///
    /// The index builds already record each table's size (`pg_class.reltuples`), so the first claims and scheduling
    /// cycles are planned for the rows there are, not for none. Column statistics are gathered for `blocks`' labels
    /// only: per-pipeline reads are then planned for their real share. Statistics of `state` taken now would say
    /// "every block is created" for as long as autovacuum takes to analyse the busy table again (up to a minute),
    /// which is what turned the controller's waiting count into a table scan; without them the planner takes each
    /// state for a small share and keeps to the partial indexes. The other tables are read by key. A full
    /// `ANALYZE` of the four tables was a fifth of a 20,000-block first apply (137 ms of about 640).
    func finish(_ connection: isolated PostgresConnection) throws {
        // Each index is sorted once: in memory when it fits, which PostgreSQL's default (64 MB) stops doing at a
        // few million blocks. Raised for this transaction only, never lowered below what the server was given.
        try connection.query(
            """
            SELECT set_config('maintenance_work_mem', $1, true)
            WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < pg_size_bytes($1)
            """, [Self.sortMemory])
        for statement in rebuild { try connection.execute(statement) }
        try connection.execute("ANALYZE \(Self.analyzed)")
    }
}
