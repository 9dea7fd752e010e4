import TraduCore
import TraduPostgres

/// Writes one apply in one transaction: refuses a stale plan, copies new block contents, upserts pipelines,
/// adds or restores, reprocesses and cancels blocks with one event each, records the revision, bumps the serial.
/// Any error rolls all of it back.
///
/// Bulk rows go through COPY or `unnest` arrays, a fixed number of statements whatever the plan's size.
enum BlockPlanWriter {
    /// - Parameter reporting: also answer every block event written (a line per block at debug), in event order
    ///   per block; off, nothing more is read back, whatever the plan's size.
    static func write(
        _ batch: ApplyBatch<AnySequence<BlockContentRow>>, reporting: Bool = false,
        on connection: isolated PostgresConnection
    ) throws -> (AppliedRevision, [BlockTransition]) {
        let serial = try checkState(batch, connection)
        let number = try connection.query("SELECT coalesce(max(number), 0) + 1 AS next FROM revisions")[0]
            .required("next", Int64.init)
        let bulkLoad = try BulkLoad.startIfWorthIt(
            newBlocks: batch.newBlocks.count, minimum: batch.bulkLoadMinimum, connection)
        try copyContents(batch.contents, connection)
        try batch.verifyContents?()
        try writePipelines(batch.pipelines, removed: batch.removedPipelines, connection)
        try writeDatasetCuts(batch.datasetCuts, connection)
        let actor = batch.revision.appliedBy
        let baselines = try RolloutSQL.supersede(
            pipelines: batch.supersededRollouts, revision: number, actor: actor, connection)
        var made: [BlockTransition] = []
        if let bulkLoad {
            let events = try bulkLoad.addBlocks(batch.newBlocks, revision: number, reporting: reporting, connection)
            if reporting { made += try transitions(events, of: batch.newBlocks) }
            try bulkLoad.finish(connection)
        } else {
            made += try addBlocks(batch.newBlocks, revision: number, reporting: reporting, connection)
        }
        made += try reprocessBlocks(batch.reprocess, revision: number, reporting: reporting, connection)
        made += try cancelBlocks(batch.cancel, revision: number, reporting: reporting, connection)
        try RolloutSQL.start(batch.rolloutStarts, revision: number, baselines: baselines, actor: actor, connection)

        let revision = batch.revision
        try connection.query(
            """
            INSERT INTO revisions (number, serial, manifest_digest, plan_digest, manifests, git_commit, applied_by,
                                   message, summary, raw_manifests, raw_digest, freight_id, dataset_fingerprints,
                                   git_branch, promoted_from)
            VALUES ($1::bigint, $2::bigint, $3, $4, $5::jsonb, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13::jsonb,
                    $14, $15::jsonb)
            """,
            [
                String(number), String(serial), revision.manifestDigest, revision.planDigest, revision.manifests,
                revision.gitCommit, revision.appliedBy, revision.message, revision.summary,
                revision.freight?.rawManifests, revision.freight?.rawDigest, revision.freight?.id,
                revision.freight?.datasetFingerprints, revision.freight?.gitBranch, revision.promotedFrom,
            ])
        if let promotion = revision.promotionID {
            try connection.query(
                """
                UPDATE promotions SET phase = 'Succeeded', target_revision = $2::bigint, finished_at = now()
                WHERE id = $1::bigint
                """, [String(promotion), String(number)])
        }
        try connection.query("UPDATE environment_state SET serial = $1::bigint", [String(serial)])
        return (AppliedRevision(number: number, serial: serial), made)
    }

    /// Locks the environment row, so applies queue up here, and returns the serial this apply will produce.
    private static func checkState(
        _ batch: ApplyBatch<AnySequence<BlockContentRow>>, _ connection: isolated PostgresConnection
    ) throws -> Int64 {
        let rows = try connection.query("SELECT lineage::text AS lineage, serial FROM environment_state FOR UPDATE")
        guard let row = rows.first else {
            throw StoreError.unexpectedData("environment_state has no row")
        }
        let lineage = try row.required("lineage")
        let serial = try row.required("serial", Int64.init)
        if let expected = batch.expectedLineage, expected != lineage {
            throw StoreError.lineageMismatch(current: lineage, expected: expected)
        }
        if serial != batch.expectedSerial {
            throw StoreError.staleSerial(current: serial, expected: batch.expectedSerial)
        }
        return serial + 1
    }

    /// Straight into the table, no staging: the caller sends only unknown hashes (see `ApplyBatch.contents`), so
    /// the gigabytes are written once. The document index rows of the contents follow each chunk of about
    /// `ContentFeed.documentsPerChunk` documents, so the ids waiting to be indexed stay bounded in memory.
    private static func copyContents<Contents: Sequence<BlockContentRow>>(
        _ contents: Contents, _ connection: isolated PostgresConnection
    ) throws {
        let feed = ContentFeed(contents.makeIterator())
        repeat {
            feed.startChunk()
            // Binary: the records are most of the bytes and full of newlines, which the text format would escape
            // and the server unescape.
            let rows = feed.lazy.map { content -> [CopyBinaryValue?] in
                [
                    .text(content.hash), .text(content.dataset), .int32(Int32(clamping: content.recordCount)),
                    .int64(content.byteCount), .text(content.records), content.lastRecord.map { .text($0) },
                ]
            }
            try connection.copyIn(
                sql: """
                    COPY block_contents (hash, dataset, record_count, byte_count, records, last_record)
                    FROM STDIN (FORMAT binary)
                    """,
                binaryRows: rows)
            let index = feed.index.drain()
            if !index.isEmpty {
                let rows = index.map { row -> [CopyBinaryValue?] in
                    [.int32(row.bucket), .int64Array(row.keys), .uuidArray(bytes: row.contents)]
                }
                try connection.copyIn(
                    sql: "COPY document_index (bucket, keys, contents) FROM STDIN (FORMAT binary)", binaryRows: rows)
            }
        } while !feed.isExhausted
    }

    /// Records where each dataset's cut ended (`dataset_cuts`).
    private static func writeDatasetCuts(
        _ cuts: [(dataset: String, lastRecord: String?)], _ connection: isolated PostgresConnection
    ) throws {
        guard !cuts.isEmpty else { return }
        try connection.query(
            """
            INSERT INTO dataset_cuts AS d (dataset, last_record)
            SELECT * FROM unnest($1::text[], $2::text[])
            ON CONFLICT (dataset) DO UPDATE SET last_record = EXCLUDED.last_record, updated_at = now()
                WHERE d.last_record IS DISTINCT FROM EXCLUDED.last_record
            """, [SQLText.arrayLiteral(cuts.map(\.dataset)), SQLText.arrayLiteral(cuts.map(\.lastRecord))])
    }

    /// Upserts pipelines; `generation` goes up by one when anything stored about a pipeline changes, and an
    /// unchanged pipeline is not written at all.
    private static func writePipelines(
        _ pipelines: [StoredPipeline], removed: [String], _ connection: isolated PostgresConnection
    ) throws {
        if !pipelines.isEmpty {
            try connection.query(
                """
                INSERT INTO pipelines AS p (name, dataset, spec_hash, processing_spec, sizing, priority)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::int[])
                ON CONFLICT (name) DO UPDATE
                    SET dataset = EXCLUDED.dataset, spec_hash = EXCLUDED.spec_hash,
                        processing_spec = EXCLUDED.processing_spec, sizing = EXCLUDED.sizing,
                        priority = EXCLUDED.priority, generation = p.generation + 1, updated_at = now()
                    WHERE (p.dataset, p.spec_hash, p.processing_spec, p.sizing, p.priority)
                        IS DISTINCT FROM
                        (EXCLUDED.dataset, EXCLUDED.spec_hash, EXCLUDED.processing_spec, EXCLUDED.sizing,
                         EXCLUDED.priority)
                """,
                [
                    SQLText.arrayLiteral(pipelines.map(\.name)), SQLText.arrayLiteral(pipelines.map(\.dataset)),
                    SQLText.arrayLiteral(pipelines.map(\.specHash)),
                    SQLText.arrayLiteral(pipelines.map(\.processingSpec)),
                    SQLText.arrayLiteral(pipelines.map(\.sizing)),
                    SQLText.arrayLiteral(pipelines.map { String($0.priority) }),
                ])
        }
        if !removed.isEmpty {
            try connection.query("DELETE FROM pipelines WHERE name = ANY($1::text[])", [SQLText.arrayLiteral(removed)])
        }
    }

    /// COPY into a temporary table, then one upsert that inserts new blocks and resets cancelled ones, and writes
    /// their `planned` / `restored` events from the states read in the same snapshot. New blocks are added, and
    /// so numbered, in the order of their ids (`NewBlockRows.inIDOrder`).
    private static func addBlocks(
        _ blocks: NewBlockRows, revision: Int64, reporting: Bool, _ connection: isolated PostgresConnection
    ) throws -> [BlockTransition] {
        guard !blocks.isEmpty else { return [] }
        try connection.execute(
            """
            CREATE TEMPORARY TABLE tradu_new_blocks (
                id text NOT NULL, pipeline text NOT NULL, block_hash text NOT NULL, target_language text NOT NULL,
                ordinal int NOT NULL, spec_hash text NOT NULL, priority int NOT NULL
            ) ON COMMIT DROP
            """)
        try connection.copyIn(
            sql: """
                COPY pg_temp.tradu_new_blocks (id, pipeline, block_hash, target_language, ordinal, spec_hash, priority)
                FROM STDIN
                """,
            rows: blocks.inIDOrder().lazy.map { block -> [String?] in
                [
                    block.id, block.pipeline, block.blockHash, block.targetLanguage, String(block.ordinal),
                    block.specHash, String(block.priority),
                ]
            })
        // Without statistics the planner guesses the temporary table's size and may pick nested loops.
        try connection.execute("ANALYZE pg_temp.tradu_new_blocks")
        let written = try connection.query(
            """
            WITH prior AS (
                SELECT n.id, b.state FROM pg_temp.tradu_new_blocks n LEFT JOIN blocks b ON b.id = n.id
            ), upserted AS (
                INSERT INTO blocks AS b (id, pipeline, block_hash, target_language, ordinal, spec_hash, priority,
                                         revision)
                SELECT id, pipeline, block_hash, target_language, ordinal, spec_hash, priority, $1::bigint
                FROM pg_temp.tradu_new_blocks
                ORDER BY id
                ON CONFLICT (id) DO UPDATE
                    SET pipeline = EXCLUDED.pipeline, block_hash = EXCLUDED.block_hash,
                        target_language = EXCLUDED.target_language, ordinal = EXCLUDED.ordinal,
                        spec_hash = EXCLUDED.spec_hash, priority = EXCLUDED.priority, revision = EXCLUDED.revision,
                        state = 'created', attempt_base = b.attempt, lease_owner = NULL, lease_expires_at = NULL,
                        run_at = now(), updated_at = now()
                    WHERE b.state = 'cancelled'
                RETURNING b.id, b.key
            )
            INSERT INTO block_events (block_id, block_key, from_state, to_state, attempt, reason)
            SELECT p.id, u.key, p.state, 'created', 0, CASE WHEN p.state IS NULL THEN 'planned' ELSE 'restored' END
            FROM prior p JOIN upserted u ON u.id = p.id
            \(reporting ? BlockTransition.returningEvent : "")
            """, [String(revision)]
        )
        guard written.affectedRows == blocks.count else {
            // Some id exists and is not cancelled: the upsert skipped it. Name one; the transaction rolls back.
            let active = try connection.query(
                """
                SELECT b.id, b.state FROM pg_temp.tradu_new_blocks n JOIN blocks b ON b.id = n.id
                WHERE b.state <> 'cancelled' LIMIT 1
                """
            ).first
            throw StoreError.blockAlreadyActive(id: active?["id"] ?? "?", state: active?["state"] ?? "?")
        }
        guard reporting else { return [] }
        return try transitions(written, of: blocks)
    }

    /// The events written for new blocks, with each block's pipeline from the plan: new rows are not in the
    /// writing statement's snapshot.
    private static func transitions(_ events: PostgresRows, of blocks: NewBlockRows) throws -> [BlockTransition] {
        let pipelines = Dictionary(blocks.map { ($0.id, $0.pipeline) }) { first, _ in first }
        return try BlockTransition.decoding(events).map { transition in
            var transition = transition
            transition.pipeline = pipelines[transition.blockID] ?? transition.pipeline
            return transition
        }
    }

    /// Resets blocks to `created` with their new spec hash. `attempt` keeps growing (it fences workers);
    /// `attempt_base` restarts the retry budget. The prior states are read with
    /// `FOR UPDATE` so each event's `from_state` is the state actually left, even while workers move blocks.
    private static func reprocessBlocks(
        _ items: [BlockReprocess], revision: Int64, reporting: Bool, _ connection: isolated PostgresConnection
    ) throws -> [BlockTransition] {
        guard !items.isEmpty else { return [] }
        let rows = try connection.query(
            """
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS i (id, spec_hash, reason)
            ), prior AS (
                SELECT b.id, b.state, i.spec_hash, i.reason FROM blocks b JOIN input i ON i.id = b.id
                WHERE b.state <> 'cancelled'
                FOR UPDATE OF b
            ), updated AS (
                UPDATE blocks b
                SET state = 'created', attempt_base = b.attempt, lease_owner = NULL, lease_expires_at = NULL,
                    spec_hash = p.spec_hash, revision = $4::bigint, run_at = now(), updated_at = now()
                FROM prior p WHERE b.id = p.id
                RETURNING b.id, b.key
            )
            INSERT INTO block_events (block_id, block_key, from_state, to_state, attempt, reason)
            SELECT p.id, u.key, p.state, 'created', 0, p.reason FROM prior p JOIN updated u ON u.id = p.id
            \(reporting ? BlockTransition.returningEvent : "")
            """,
            [
                SQLText.arrayLiteral(items.map(\.id)), SQLText.arrayLiteral(items.map(\.specHash)),
                SQLText.arrayLiteral(items.map(\.reason)), String(revision),
            ])
        return reporting ? try BlockTransition.decoding(rows) : []
    }

    /// Cancels blocks that left the manifests, from whatever state they are in; the event keeps their attempt.
    private static func cancelBlocks(
        _ ids: [String], revision: Int64, reporting: Bool, _ connection: isolated PostgresConnection
    ) throws -> [BlockTransition] {
        guard !ids.isEmpty else { return [] }
        let rows = try connection.query(
            """
            WITH prior AS (
                SELECT b.id, b.state, b.attempt FROM blocks b JOIN unnest($1::text[]) AS c (id) ON c.id = b.id
                WHERE b.state <> 'cancelled'
                FOR UPDATE OF b
            ), updated AS (
                UPDATE blocks b SET state = 'cancelled', revision = $2::bigint, updated_at = now()
                FROM prior p WHERE b.id = p.id
                RETURNING b.id, b.key
            )
            INSERT INTO block_events (block_id, block_key, from_state, to_state, attempt, reason)
            SELECT p.id, u.key, p.state, 'cancelled', p.attempt, 'left the manifests'
            FROM prior p JOIN updated u ON u.id = p.id
            \(reporting ? BlockTransition.returningEvent : "")
            """, [SQLText.arrayLiteral(ids), String(revision)])
        return reporting ? try BlockTransition.decoding(rows) : []
    }
}

/// The contents an apply copies, a chunk at a time, filing each content's document ids in `index` as it goes.
///
/// Read by the COPY's encoding thread during `copyIn`, and by the writer between two COPYs; never by both at
/// once (`copyIn` returns after its producer finished).
private final class ContentFeed<Base: IteratorProtocol<BlockContentRow>>: Sequence, IteratorProtocol,
    @unchecked Sendable
{
    /// About 12 MB of index entries in memory (24 bytes a document), whatever the size of the apply.
    static var documentsPerChunk: Int { 500_000 }

    private var base: Base
    private(set) var isExhausted = false
    var index = DocumentIndexRows()

    init(_ base: Base) { self.base = base }

    func startChunk() { precondition(index.documentCount == 0, "drain the index before the next chunk") }

    func next() -> BlockContentRow? {
        guard !isExhausted, index.documentCount < Self.documentsPerChunk else { return nil }
        guard var content = base.next() else {
            isExhausted = true
            return nil
        }
        if let scanned = BlockRecordIDs.keysAndLastID(in: content.records) {
            index.add(content: content.hash, keys: scanned.keys)
            content.lastRecord = scanned.lastID
        }
        return content
    }
}
