import TraduCore

extension Store {
    /// What each pipeline's `jsonl` sink depends on, read cheaply every cycle: completed attempts from the striped
    /// `spend` rows (a completion adds to them in its own statement), cancelled blocks from the counts the leading
    /// controller maintains, and the pipeline's generation (a completed rollout makes new results current).
    public func sinkSignals(pipelines: [String]) async throws -> [String: SinkSchedule.Signal] {
        guard !pipelines.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT p.name,
                   (SELECT coalesce(sum(s.attempts - s.failed_attempts), 0) FROM spend s WHERE s.pipeline = p.name)
                       AS completed,
                   coalesce((SELECT (st.counts ->> 'cancelled')::bigint FROM pipeline_status st
                             WHERE st.pipeline = p.name), 0) AS cancelled,
                   p.generation, (SELECT count(*) FROM erased_documents) AS erasures
            FROM pipelines p WHERE p.name = ANY($1::text[])
            """, [SQLText.arrayLiteral(pipelines)])
        var signals: [String: SinkSchedule.Signal] = [:]
        for row in rows {
            signals[try row.required("name")] = SinkSchedule.Signal(
                completedAttempts: try row.required("completed", Int64.init),
                cancelled: try row.required("cancelled", Int64.init),
                generation: try row.required("generation", Int64.init),
                erasures: try row.required("erasures", Int64.init))
        }
        return signals
    }
}
