import TraduPostgres

/// One operator action as the audit shows it.
public struct OperatorActionRow: Sendable, Hashable {
    public var id: Int64
    public var action: String
    public var pipeline: String?
    public var actor: String
    public var reason: String
    /// `cli` or `api`.
    public var via: String
    public var detail: String?
    /// RFC 3339 UTC.
    public var at: String
}

extension Store {
    /// Records an operator action: who, why, from where, and what it touched.
    public func recordOperatorAction(
        _ action: String, pipeline: String?, actor: String, reason: String, via: String, detail: String?
    ) async throws {
        try await connection.query(
            """
            INSERT INTO operator_actions (action, pipeline, actor, reason, via, detail)
            VALUES ($1, $2, $3, $4, $5, $6)
            """, [action, pipeline, actor, reason, via, detail])
    }

    /// The most recent operator actions, newest first.
    public func operatorActions(limit: Int) async throws -> [OperatorActionRow] {
        try await connection.query(
            """
            SELECT id, action, pipeline, actor, reason, via, detail, \(SQLText.rfc3339("at")) AS at
            FROM operator_actions ORDER BY at DESC, id DESC LIMIT $1::int
            """, [String(max(0, limit))]
        ).map { row in
            OperatorActionRow(
                id: try row.required("id", Int64.init), action: try row.required("action"),
                pipeline: row["pipeline"], actor: try row.required("actor"), reason: try row.required("reason"),
                via: try row.required("via"), detail: row["detail"], at: try row.required("at"))
        }
    }
}
