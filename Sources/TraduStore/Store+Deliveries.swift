import TraduCore
import TraduPostgres

/// One webhook delivery of a completed block.
public struct SinkDelivery: Sendable, Hashable {
    public var blockID: String
    public var sink: String
    /// The result version (its processing-spec hash): a rollout's promoted version is a new delivery.
    public var specHash: String
    public var attempt: Int
    public var tries: Int
    public var pipeline: String
    public var targetLanguage: String
    public var records: String

    public init(
        blockID: String, sink: String, specHash: String = "", attempt: Int, tries: Int, pipeline: String,
        targetLanguage: String, records: String
    ) {
        self.blockID = blockID
        self.sink = sink
        self.specHash = specHash
        self.attempt = attempt
        self.tries = tries
        self.pipeline = pipeline
        self.targetLanguage = targetLanguage
        self.records = records
    }
}

extension Store {
    /// Records a pending delivery of every block's current result, for each (pipeline, sink), that has none yet
    /// for that version and attempt. Idempotent: delivery rows are keyed by (block, sink, version, attempt).
    @discardableResult
    public func enqueueDeliveries(_ sinks: [(pipeline: String, sink: String)]) async throws -> Int {
        guard !sinks.isEmpty else { return 0 }
        return try await connection.query(
            """
            INSERT INTO sink_deliveries (block_id, sink, spec_hash, attempt)
            SELECT b.id, s.sink, r.spec_hash, r.attempt
            FROM unnest($1::text[], $2::text[]) AS s (pipeline, sink)
            JOIN blocks b ON b.pipeline = s.pipeline AND b.state <> 'cancelled' AND b.result_spec IS NOT NULL
            JOIN results r ON r.block_id = b.id AND r.spec_hash = b.result_spec
            ON CONFLICT DO NOTHING
            """, [SQLText.arrayLiteral(sinks.map(\.pipeline)), SQLText.arrayLiteral(sinks.map(\.sink))]
        ).affectedRows ?? 0
    }

    /// Pending deliveries that are due, oldest first.
    public func dueDeliveries(limit: Int) async throws -> [SinkDelivery] {
        let rows = try await connection.query(
            """
            SELECT d.block_id, d.sink, d.spec_hash, d.attempt, d.tries, r.pipeline, r.target_language, r.records
            FROM sink_deliveries d JOIN results r ON r.block_id = d.block_id AND r.spec_hash = d.spec_hash
            WHERE d.state = 'pending' AND d.next_try_at <= now()
            ORDER BY d.next_try_at, d.block_id LIMIT $1::int
            """, [String(limit)])
        var deliveries = try rows.map { row in
            SinkDelivery(
                blockID: try row.required("block_id"), sink: try row.required("sink"),
                specHash: try row.required("spec_hash"), attempt: try row.required("attempt", Int.init),
                tries: try row.required("tries", Int.init),
                pipeline: try row.required("pipeline"), targetLanguage: try row.required("target_language"),
                records: try row.required("records"))
        }
        let records = try await withSources(deliveries.map(\.records), of: deliveries.map(\.blockID))
        for index in deliveries.indices { deliveries[index].records = records[index] ?? deliveries[index].records }
        return deliveries
    }

    public func markDelivered(_ delivery: SinkDelivery) async throws {
        try await connection.query(
            """
            UPDATE sink_deliveries SET state = 'delivered', tries = tries + 1, delivered_at = now(), last_error = NULL
            WHERE block_id = $1 AND sink = $2 AND attempt = $3::int AND spec_hash = $4 AND state = 'pending'
            """, [delivery.blockID, delivery.sink, String(delivery.attempt), delivery.specHash])
    }

    /// A failed try: tried again after `retryAfter`, or given up (`failed`) when nil.
    public func markDeliveryFailed(_ delivery: SinkDelivery, error: String, retryAfter: Duration?) async throws {
        let delay = retryAfter.map { String($0.seconds) }
        try await connection.query(
            """
            UPDATE sink_deliveries
            SET tries = tries + 1, last_error = $4,
                state = CASE WHEN $5::float8 IS NULL THEN 'failed' ELSE 'pending' END,
                next_try_at = now() + coalesce($5::float8, 0) * interval '1 second'
            WHERE block_id = $1 AND sink = $2 AND attempt = $3::int AND spec_hash = $6 AND state = 'pending'
            """, [delivery.blockID, delivery.sink, String(delivery.attempt), error, delay, delivery.specHash])
    }
}

extension Store {
    /// Deliveries still to be made (pending), for the end of a run.
    public func pendingDeliveries() async throws -> Int {
        try await connection.query("SELECT count(*) AS n FROM sink_deliveries WHERE state = 'pending'")
            .first?["n"].flatMap { Int($0) } ?? 0
    }
}
