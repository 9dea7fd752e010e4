import TraduCore
import TraduPostgres

/// What `tradu plan` and `tradu history` read: the environment's identity, pipelines, blocks and revisions.
/// Each call is one statement, so each sees one consistent snapshot; a plan that reads several of them is
/// protected by the serial check at apply time.
extension Store {
    public func environmentState() async throws -> EnvironmentState {
        let rows = try await connection.query("SELECT lineage::text AS lineage, serial FROM environment_state")
        guard let row = rows.first else {
            throw StoreError.unexpectedData("environment_state has no row in schema \(schema)")
        }
        return EnvironmentState(lineage: try row.required("lineage"), serial: try row.required("serial", Int64.init))
    }

    /// Every pipeline, by name.
    public func pipelines() async throws -> [StoredPipeline] {
        let rows = try await connection.query(
            """
            SELECT name, dataset, spec_hash, processing_spec::text AS processing_spec, sizing::text AS sizing,
                   generation, priority
            FROM pipelines ORDER BY name
            """)
        return try rows.map { row in
            StoredPipeline(
                name: try row.required("name"), dataset: try row.required("dataset"),
                specHash: try row.required("spec_hash"), processingSpec: try row.required("processing_spec"),
                sizing: try row.required("sizing"), generation: try row.required("generation", Int64.init),
                priority: try row.required("priority", Int.init))
        }
    }

    /// Every block, cancelled ones included, in no particular order (sorting 100,000s of rows costs more than
    /// the planner's dictionary does). Read through a cursor, a batch at a time, into an `ExistingBlockList`, which
    /// keeps one copy of each pipeline, language and spec hash: at millions of blocks the planner holds the blocks
    /// once, not libpq's result, its Swift copy and the blocks together.
    public func blocks() async throws -> ExistingBlockList {
        try await forEachRowBatch(
            "SELECT id, pipeline, block_hash, target_language, spec_hash, state, ordinal FROM blocks",
            into: ExistingBlockList()
        ) { blocks, rows in
            for row in rows {
                // Positional access: the column order is fixed by the SELECT above, and it skips a name lookup
                // per value on the hot path.
                let values = row.values
                guard let id = values[0], let pipeline = values[1], let blockHash = values[2],
                    let targetLanguage = values[3], let specHash = values[4],
                    let state = values[5].flatMap(BlockState.init),
                    let ordinal = values[6].flatMap({ Int($0) })
                else {
                    throw StoreError.unexpectedData("unexpected NULL, state or non-integer in blocks row")
                }
                blocks.append(
                    ExistingBlock(
                        id: id, pipeline: pipeline, blockHash: blockHash, targetLanguage: targetLanguage,
                        specHash: specHash, state: state, ordinal: ordinal))
            }
        }
    }

    /// The content hashes already stored: the planner sends only the others' records.
    public func knownBlockHashes() async throws -> IdentitySet {
        var hashes = try await forEachRowBatch("SELECT hash FROM block_contents", into: IdentitySet()) { hashes, rows in
            for row in rows {
                if let hash = row[0] { hashes.insert(CompactID(hash)) }
            }
        }
        hashes.finish()
        return hashes
    }

    /// Runs `sql` through a server-side cursor in one transaction (one snapshot, as a single statement has),
    /// folding `batchSize` rows at a time into `state`.
    func forEachRowBatch<State: Sendable>(
        _ sql: String, batchSize: Int = 10_000, isolation: PostgresIsolationLevel = .readCommitted,
        into state: State, _ fold: @escaping @Sendable (inout State, PostgresRows) throws -> Void
    ) async throws -> State {
        try await connection.transaction(isolation: isolation) { connection in
            var state = state
            try connection.execute("DECLARE tradu_batches NO SCROLL CURSOR FOR \(sql)")
            while true {
                let rows = try connection.query("FETCH \(batchSize) FROM tradu_batches")
                if rows.isEmpty { break }
                try fold(&state, rows)
            }
            try connection.execute("CLOSE tradu_batches")
            return state
        }
    }

    /// The newest revision, nil before the first apply.
    public func latestRevision() async throws -> Revision? {
        try await revisions(limit: 1).first
    }

    /// Revisions newest first; all of them when `limit` is nil.
    public func revisions(limit: Int? = nil) async throws -> [Revision] {
        let rows = try await connection.query(
            """
            SELECT number, serial, manifest_digest, plan_digest, manifests::text AS manifests, git_commit,
                   applied_by, \(SQLText.rfc3339("applied_at")) AS applied_at, message, summary::text AS summary,
                   \(Self.freightColumns)
            FROM revisions ORDER BY number DESC LIMIT $1::bigint
            """, [limit.map { String(max($0, 0)) }])
        return try rows.map(Self.revision)
    }

    /// One revision by number, nil when there is none.
    public func revision(_ number: Int64) async throws -> Revision? {
        try await connection.query(
            """
            SELECT number, serial, manifest_digest, plan_digest, manifests::text AS manifests, git_commit,
                   applied_by, \(SQLText.rfc3339("applied_at")) AS applied_at, message, summary::text AS summary,
                   \(Self.freightColumns)
            FROM revisions WHERE number = $1::bigint
            """, [String(number)]
        ).first.map(Self.revision)
    }

    /// The revisions that ran `freight`, newest first.
    public func revisions(freight: String) async throws -> [Revision] {
        try await connection.query(
            """
            SELECT number, serial, manifest_digest, plan_digest, manifests::text AS manifests, git_commit,
                   applied_by, \(SQLText.rfc3339("applied_at")) AS applied_at, message, summary::text AS summary,
                   \(Self.freightColumns)
            FROM revisions WHERE freight_id = $1 ORDER BY number DESC
            """, [freight]
        ).map(Self.revision)
    }

    private static let freightColumns = """
        raw_manifests::text AS raw_manifests, raw_digest, freight_id, dataset_fingerprints::text AS fingerprints,
        git_branch, promoted_from::text AS promoted_from
        """

    private static func revision(_ row: PostgresRow) throws -> Revision {
        var freight: FreightRecord?
        if let id = row["freight_id"], let raw = row["raw_manifests"], let digest = row["raw_digest"],
            let fingerprints = row["fingerprints"]
        {
            freight = FreightRecord(
                id: id, rawManifests: raw, rawDigest: digest, datasetFingerprints: fingerprints,
                gitBranch: row["git_branch"])
        }
        return Revision(
            number: try row.required("number", Int64.init), serial: try row.int64("serial"),
            manifestDigest: try row.required("manifest_digest"), planDigest: row["plan_digest"],
            manifests: try row.required("manifests"), gitCommit: row["git_commit"],
            appliedBy: try row.required("applied_by"), appliedAt: try row.required("applied_at"),
            message: row["message"], summary: row["summary"], freight: freight, promotedFrom: row["promoted_from"])
    }
}

extension Store {
    /// The number of the latest revision, cheaply (workers poll it to notice a new apply).
    public func latestRevisionNumber() async throws -> Int64? {
        try await connection.query("SELECT max(number) AS n FROM revisions").first?["n"].flatMap { Int64($0) }
    }

    /// The latest revision's number, and the ids of the rollouts that keep a pipeline between two specs (each
    /// pipeline's latest rollout, when it is running, paused or rolled back), in one cheap statement: what a worker
    /// polls to know when to rebuild its runtimes.
    public func appliedStamp() async throws -> (revision: Int64?, unsettledRollouts: [Int64]) {
        let unsettled = RolloutState.Phase.allCases.filter { RolloutState(phase: $0).isUnsettled }
        let row = try await connection.query(
            """
            SELECT (SELECT max(number) FROM revisions) AS n,
                   (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM (
                        SELECT DISTINCT ON (pipeline) id, phase FROM rollouts ORDER BY pipeline, id DESC
                    ) r WHERE phase = ANY($1::text[])) AS rollouts
            """, [SQLText.arrayLiteral(unsettled.map(\.rawValue))]
        ).first
        let ids = (row?["rollouts"] ?? "").filter { $0 != "{" && $0 != "}" }
        return (row?["n"].flatMap { Int64($0) }, ids.split(separator: ",").compactMap { Int64($0) })
    }
}
