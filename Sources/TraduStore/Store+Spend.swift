import TraduCore
import TraduPostgres

/// Tokens and cost spent, summed from the striped `spend` table.
public struct SpendRow: Sendable, Hashable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    public var costMicros: Int64
    public var currency: String
    public var attempts: Int64
    public var failedAttempts: Int64
    /// Units (documents or sentences) the engine translated in completed blocks, and units reused (from memory
    /// or repeated within a block).
    public var segmentsTranslated: Int64 = 0
    public var segmentsReused: Int64 = 0

    public static let zero = SpendRow(
        inputTokens: 0, outputTokens: 0, costMicros: 0, currency: "", attempts: 0, failedAttempts: 0)

    public var cost: Double { Double(costMicros) / 1_000_000 }
}

/// A pause of a pipeline's scheduling (`tradu pause`).
public struct PipelinePause: Sendable, Hashable {
    public var pipeline: String
    public var pausedBy: String
    public var reason: String
    /// RFC 3339 UTC.
    public var pausedAt: String
}

extension Store {
    /// Spend per pipeline, all revisions together.
    public func spendByPipeline() async throws -> [String: SpendRow] {
        try await spend(groupedBy: "pipeline").reduce(into: [:]) { $0[$1.key] = $1.row }
    }

    /// Spend per revision (the revision that last planned the blocks), all pipelines together.
    public func spendByRevision() async throws -> [Int64: SpendRow] {
        try await spend(groupedBy: "revision").reduce(into: [:]) { $0[Int64($1.key) ?? 0] = $1.row }
    }

    private func spend(groupedBy column: String) async throws -> [(key: String, row: SpendRow)] {
        try await connection.query(
            """
            SELECT \(column)::text AS key, sum(input_tokens)::bigint AS i, sum(output_tokens)::bigint AS o,
                   sum(cost_micros)::bigint AS c, max(currency) AS currency, sum(attempts)::bigint AS a,
                   sum(failed_attempts)::bigint AS f, sum(segments_translated)::bigint AS st,
                   sum(segments_reused)::bigint AS sr
            FROM spend GROUP BY \(column)
            """
        ).map { row in
            (
                try row.required("key"),
                SpendRow(
                    inputTokens: try row.required("i", Int64.init), outputTokens: try row.required("o", Int64.init),
                    costMicros: try row.required("c", Int64.init), currency: row["currency"] ?? "",
                    attempts: try row.required("a", Int64.init), failedAttempts: try row.required("f", Int64.init),
                    segmentsTranslated: try row.required("st", Int64.init),
                    segmentsReused: try row.required("sr", Int64.init))
            )
        }
    }

    /// Blocks claimed, enqueued or in process, per pipeline (budgets charge them before they finish).
    public func inFlight(pipelines: [String]) async throws -> [String: Int] {
        guard !pipelines.isEmpty else { return [:] }
        return try await connection.query(
            """
            SELECT pipeline, count(*) AS n FROM blocks
            WHERE pipeline = ANY($1::text[]) AND state IN ('claimed', 'enqueued', 'in_process')
            GROUP BY pipeline
            """, [SQLText.arrayLiteral(pipelines)]
        ).reduce(into: [:]) { counts, row in
            if let name = row["pipeline"], let n = row["n"].flatMap({ Int($0) }) { counts[name] = n }
        }
    }

    /// When no block is in flight (claimed, enqueued, in process): the pipelines that still have `created` blocks.
    /// nil while some block is in flight. For `tradu run`, to tell work that waits for a person (a pause, a spent
    /// budget) from work still to come.
    public func waitingPipelinesWithNothingInFlight() async throws -> [String]? {
        // One probe of each state's index, in the index's order (as `hasActiveBlocks`): never a scan of `blocks`,
        // since `tradu run` asks this at every poll.
        let busy =
            try await connection.query(
                """
                SELECT (SELECT 1 FROM blocks WHERE state = 'enqueued' ORDER BY priority DESC, run_at, id LIMIT 1)
                        IS NOT NULL
                    OR (SELECT 1 FROM blocks WHERE state = 'in_process' ORDER BY lease_owner LIMIT 1) IS NOT NULL
                    OR EXISTS (SELECT 1 FROM pipelines p
                               CROSS JOIN LATERAL (SELECT 1 FROM blocks b
                                                   WHERE b.pipeline = p.name AND b.state = 'claimed' LIMIT 1) c)
                    AS busy
                """)[0]["busy"] == "t"
        if busy { return nil }
        return try await connection.query(Self.waitingPipelinesSQL).compactMap { $0["name"] }
    }

    /// The pipelines with `created` blocks: one probe of `blocks_schedulable_by_key` each, in its order.
    static let waitingPipelinesSQL = """
        SELECT p.name FROM pipelines p
        CROSS JOIN LATERAL (SELECT 1 FROM blocks b WHERE b.pipeline = p.name AND b.state = 'created'
                            ORDER BY b.key NULLS FIRST LIMIT 1) c
        ORDER BY p.name
        """

    // MARK: Pauses

    public func pauses() async throws -> [String: PipelinePause] {
        try await connection.query(
            """
            SELECT pipeline, paused_by, reason, \(SQLText.rfc3339("paused_at")) AS paused_at FROM pipeline_pauses
            """
        ).reduce(into: [:]) { pauses, row in
            let pause = PipelinePause(
                pipeline: try row.required("pipeline"), pausedBy: try row.required("paused_by"),
                reason: try row.required("reason"), pausedAt: try row.required("paused_at"))
            pauses[pause.pipeline] = pause
        }
    }

    /// Pauses (or resumes) scheduling of `pipeline`, recording who and why. Returns false when it was already in
    /// that state (nothing recorded).
    @discardableResult
    public func setPaused(_ paused: Bool, pipeline: String, actor: String, reason: String, via: String = "cli")
        async throws -> Bool
    {
        try await connection.transaction { connection in
            let changed =
                paused
                ? try connection.query(
                    """
                    INSERT INTO pipeline_pauses (pipeline, paused_by, reason) VALUES ($1, $2, $3)
                    ON CONFLICT (pipeline) DO NOTHING RETURNING pipeline
                    """, [pipeline, actor, reason])
                : try connection.query(
                    "DELETE FROM pipeline_pauses WHERE pipeline = $1 RETURNING pipeline", [pipeline])
            guard !changed.isEmpty else { return false }
            try connection.query(
                "INSERT INTO operator_actions (action, pipeline, actor, reason, via) VALUES ($1, $2, $3, $4, $5)",
                [paused ? "pause" : "resume", pipeline, actor, reason, via])
            return true
        }
    }
}
