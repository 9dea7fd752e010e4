import TraduPostgres

/// A registered process, as `tradu instances` shows it.
public struct InstanceRow: Sendable, Hashable {
    public var id: String
    public var role: String
    public var host: String
    public var pid: Int
    public var version: String
    public var state: String
    public var startedAt: String
    public var heartbeatAt: String
    /// Seconds since the last heartbeat.
    public var silentFor: Double
    public var blocksHeld: Int
}

extension Store {
    /// Live and dead instances, newest first, with the blocks each holds now.
    public func instances() async throws -> [InstanceRow] {
        let rows = try await connection.query(
            """
            SELECT i.id, i.role, i.host, i.pid, i.version, i.state,
                   \(RuntimeSQL.rfc3339Milliseconds("i.started_at")) AS started_at,
                   \(RuntimeSQL.rfc3339Milliseconds("i.heartbeat_at")) AS heartbeat_at,
                   extract(epoch FROM now() - i.heartbeat_at)::float8 AS silent,
                   (SELECT count(*) FROM blocks b WHERE b.state = 'in_process' AND b.lease_owner = i.id) AS held
            FROM instances i ORDER BY i.started_at DESC, i.id
            """)
        return try rows.map { row in
            InstanceRow(
                id: try row.required("id"), role: try row.required("role"), host: try row.required("host"),
                pid: try row.required("pid", Int.init), version: try row.required("version"),
                state: try row.required("state"), startedAt: try row.required("started_at"),
                heartbeatAt: try row.required("heartbeat_at"), silentFor: try row.required("silent", Double.init),
                blocksHeld: try row.required("held", Int.init))
        }
    }

    /// The full id of the block whose id starts with `prefix` (ids are listed shortened); nil when none or
    /// several match.
    public func resolveBlockID(_ prefix: String) async throws -> [String] {
        try await connection.query(
            "SELECT id FROM blocks WHERE id LIKE $1 || '%' ORDER BY id LIMIT 2", [prefix]
        ).compactMap { $0["id"] }
    }

    /// Blocks completed per pipeline in the last `seconds`, for throughput and ETA, from both of the log's forms
    /// (a chunk's `at` is its newest event's, so the BRIN on it finds every chunk with a recent event).
    public func completedRecently(seconds: Int) async throws -> [String: Int] {
        let rows = try await connection.query(
            """
            SELECT b.pipeline, count(*) AS n
            FROM (
                SELECT e.block_id FROM block_events e
                WHERE e.to_state = 'completed' AND e.at > now() - $1::int * interval '1 second'
                UNION ALL
                SELECT u.block_id
                FROM block_event_chunks c CROSS JOIN LATERAL unnest(c.block_ids, c.ats) AS u (block_id, at)
                WHERE c.to_state = 'completed' AND c.at > now() - $1::int * interval '1 second'
                    AND u.at > now() - $1::int * interval '1 second'
            ) e
            JOIN blocks b ON b.id = e.block_id
            GROUP BY b.pipeline
            """, [String(seconds)])
        var result: [String: Int] = [:]
        for row in rows {
            if let pipeline = row["pipeline"], let count = row["n"].flatMap({ Int($0) }) { result[pipeline] = count }
        }
        return result
    }
}
