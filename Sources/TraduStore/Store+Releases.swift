import TraduCore
import TraduPostgres

// Promotion's side of the store (DESIGN §3c): the source's evidence, promotion records, verdicts on freights and
// the auto-promotion hold. The apply a promotion makes goes through `apply(_:)` like any other.

extension Store {
    // MARK: Evidence

    /// The counts and soak promotion gates judge, over the desired set (every block not cancelled).
    public func sourceBlockEvidence() async throws -> SourceBlockEvidence {
        var classes: [String] = []
        let errorColumns = ErrorClass.allCases.map { errorClass in
            classes.append(errorClass.rawValue)
            return
                "count(*) FILTER (WHERE errors @> '[{\"class\": \"\(errorClass.rawValue)\"}]') AS e_\(errorClass.rawValue)"
        }.joined(separator: ", ")
        let row = try await connection.query(
            """
            SELECT count(*) AS total, count(*) FILTER (WHERE state = 'completed') AS completed,
                   count(*) FILTER (WHERE state = 'failed') AS failed,
                   count(*) FILTER (WHERE state NOT IN ('completed', 'failed')) AS active,
                   extract(epoch FROM now() - greatest(max(finished_at),
                       (SELECT max(applied_at) FROM revisions)))::float8 AS settled,
                   \(errorColumns)
            FROM blocks WHERE state <> 'cancelled'
            """)[0]
        let active = try row.required("active", Int.init)
        var errors: [String: Int] = [:]
        for name in classes {
            let count = try row.required("e_\(name)", Int.init)
            if count > 0 { errors[name] = count }
        }
        let unsettled = try await latestRollouts().filter(\.state.isUnsettled).map { rollout in
            "\(rollout.pipeline) (\(rollout.state.phase.rawValue)"
                + (rollout.state.reason.map { ": \($0)" } ?? "") + ")"
        }
        return SourceBlockEvidence(
            total: try row.required("total", Int.init), completed: try row.required("completed", Int.init),
            failed: try row.required("failed", Int.init), active: active, blocksWithErrors: errors,
            settledSeconds: active > 0 ? nil : row["settled"].flatMap(Double.init), unsettledRollouts: unsettled)
    }

    // MARK: Promotions

    /// Opens a promotion record in `phase` (Pending, Running or Refused) and returns its id.
    public func openPromotion(_ input: PromotionInput, phase: PromotionPhase, reasons: [String] = []) async throws
        -> Int64
    {
        let reasonsJSON = JSONValue.array(reasons.map { .string($0) }).encoded()
        return try await connection.query(
            """
            INSERT INTO promotions (freight_id, source_environment, source_revision, rollback, automatic, phase,
                                    requested_by, message, gates, allowances, reasons, finished_at)
            VALUES ($1, $2, $3::bigint, $4::boolean, $5::boolean, $6, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb,
                    CASE WHEN $6 IN ('Succeeded', 'Failed', 'Refused') THEN now() END)
            RETURNING id
            """,
            [
                input.freightID, input.sourceEnvironment, input.sourceRevision.map { String($0) },
                String(input.rollback), String(input.automatic), phase.rawValue, input.requestedBy, input.message,
                input.gates, input.allowances, reasonsJSON,
            ])[0].required("id", Int64.init)
    }

    /// Ends a promotion that did not apply (`Refused` or `Failed`), with its reasons. A promotion that applied
    /// is marked `Succeeded` by the apply's own transaction (`RevisionInput.promotionID`).
    public func finishPromotion(_ id: Int64, phase: PromotionPhase, reasons: [String]) async throws {
        try await connection.query(
            """
            UPDATE promotions SET phase = $2, reasons = $3::jsonb, finished_at = now()
            WHERE id = $1::bigint AND phase IN ('Pending', 'Running')
            """, [String(id), phase.rawValue, JSONValue.array(reasons.map { .string($0) }).encoded()])
    }

    /// Ends a promotion that had nothing to apply (the target already runs the freight): `Succeeded`, with no
    /// new revision.
    public func finishPromotionUnchanged(_ id: Int64, targetRevision: Int64?) async throws {
        try await connection.query(
            """
            UPDATE promotions SET phase = 'Succeeded', target_revision = $2::bigint, finished_at = now()
            WHERE id = $1::bigint AND phase IN ('Pending', 'Running')
            """, [String(id), targetRevision.map { String($0) }])
    }

    /// Promotion records, newest first.
    public func promotions(limit: Int? = nil) async throws -> [PromotionRecord] {
        try await connection.query(
            """
            SELECT id, freight_id, source_environment, source_revision, rollback, automatic, phase, requested_by,
                   message, gates::text AS gates, allowances::text AS allowances, reasons::text AS reasons,
                   target_revision, \(SQLText.rfc3339("created_at")) AS created_at,
                   \(SQLText.rfc3339("finished_at")) AS finished_at
            FROM promotions ORDER BY id DESC LIMIT $1::bigint
            """, [limit.map { String(max($0, 0)) }]
        ).map { row in
            PromotionRecord(
                id: try row.required("id", Int64.init), freightID: try row.required("freight_id"),
                sourceEnvironment: row["source_environment"], sourceRevision: try row.int64("source_revision"),
                rollback: row["rollback"] == "t", automatic: row["automatic"] == "t", phase: try row.required("phase"),
                requestedBy: try row.required("requested_by"), message: row["message"],
                gates: try row.required("gates"), allowances: try row.required("allowances"),
                reasons: try row.required("reasons"), targetRevision: try row.int64("target_revision"),
                createdAt: try row.required("created_at"), finishedAt: row["finished_at"])
        }
    }

    // MARK: Verdicts

    public func recordVerdict(freight: String, _ kind: FreightVerdict.Kind, by: String, message: String)
        async throws
    {
        try await connection.query(
            "INSERT INTO freight_verdicts (freight_id, verdict, by, message) VALUES ($1, $2, $3, $4)",
            [freight, kind.rawValue, by, message])
    }

    /// Every verdict on `freight`, oldest first.
    public func verdicts(freight: String) async throws -> [FreightVerdict] {
        try await connection.query(
            """
            SELECT freight_id, verdict, by, message, \(SQLText.rfc3339("at")) AS at
            FROM freight_verdicts WHERE freight_id = $1 ORDER BY id
            """, [freight]
        ).map { row in
            FreightVerdict(
                freightID: try row.required("freight_id"),
                kind: try row.required("verdict", FreightVerdict.Kind.init(rawValue:)), by: try row.required("by"),
                message: try row.required("message"), at: try row.required("at"))
        }
    }

    // MARK: Auto-promotion hold

    public func autoPromotionHold() async throws -> AutoPromotionHold? {
        guard
            let row = try await connection.query(
                """
                SELECT auto_promotion_hold->>'freight' AS freight, auto_promotion_hold->>'by' AS by,
                       auto_promotion_hold->>'at' AS at
                FROM environment_state WHERE auto_promotion_hold IS NOT NULL
                """
            ).first
        else { return nil }
        return AutoPromotionHold(
            freightID: try row.required("freight"), by: try row.required("by"), at: try row.required("at"))
    }

    /// Sets (or, with nil, clears) the hold.
    public func setAutoPromotionHold(freight: String?, by: String) async throws {
        try await connection.query(
            """
            UPDATE environment_state SET auto_promotion_hold = CASE WHEN $1::text IS NULL THEN NULL
                ELSE jsonb_build_object('freight', $1::text, 'by', $2::text,
                    'at', \(SQLText.rfc3339("now()"))) END
            """, [freight, by])
    }
}
