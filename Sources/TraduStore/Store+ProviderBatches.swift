import Foundation
import TraduCore
import TraduPostgres

extension Store {
    /// The pseudo-owner of every block whose requests wait in a provider batch.
    public static let providerBatchOwner = "provider-batch"

    /// The reason of the event a block's handing over logs (what `loggedOutcomes` looks for).
    static let sentToProviderBatch = "sent to a provider batch"

    /// Hands blocks that `owner` holds over to provider batches: in one transaction, each block still leased to
    /// `owner` at its attempt is leased to `provider-batch` until now + `holdFor`, and its requests are recorded
    /// under a new `preparing` batch leased to `owner` for `lease`. Returns the blocks handed over; the others were
    /// lost (their requests are not recorded). `token`: as `complete`'s.
    public func enterProviderBatches(
        _ batches: [NewProviderBatch], owner: String, lease: Duration, holdFor: Duration, token: UUID? = nil
    ) async throws -> Set<String> {
        let requests = batches.flatMap(\.requests)
        guard !requests.isEmpty else { return [] }
        var blocks: [String: Int] = [:]
        for request in requests { blocks[request.blockID] = request.attempt }
        let ids = blocks.keys.sorted()
        let fence = [
            SQLText.arrayLiteral(ids), RuntimeSQL.intArray(ids.map { blocks[$0]! }), owner,
            RuntimeSQL.microseconds(holdFor), Self.providerBatchOwner,
        ]
        let batchRows: [(NewProviderBatch, [String?])] = batches.map { batch in
            (
                batch,
                [
                    batch.submission, batch.engine, owner, RuntimeSQL.microseconds(lease),
                    String(batch.requests.count), String(batch.requests.reduce(0) { $0 + $1.estimatedTokens }),
                ]
            )
        }
        let committer = committer
        let outcome = try await connection.transaction {
            connection -> (handed: Set<String>, made: [BlockTransition])? in
            if let token, try !Self.markCommit(token, committer: committer, on: connection) { return nil }
            let rows = try connection.query(
                """
                WITH input AS (SELECT * FROM unnest($1::text[], $2::int[]) AS i (id, attempt)),
                handed AS (
                    UPDATE blocks b
                    SET lease_owner = $5, lease_expires_at = now() + $4::bigint * interval '1 microsecond',
                        updated_at = now()
                    FROM input i
                    WHERE b.id = i.id AND b.attempt = i.attempt AND b.lease_owner = $3 AND b.state = 'in_process'
                    RETURNING b.id, b.key, b.pipeline, b.attempt
                ), logged AS (
                    INSERT INTO block_events (block_id, block_key, from_state, to_state, instance_id, attempt, reason)
                    SELECT id, key, 'in_process', 'in_process', $3, attempt, '\(Self.sentToProviderBatch)'
                    FROM handed
                )
                SELECT id, pipeline, attempt FROM handed
                """, fence)
            let made = try rows.map { row in
                BlockTransition(
                    blockID: try row.required("id"), pipeline: row["pipeline"] ?? "", from: .inProcess, to: .inProcess,
                    attempt: row["attempt"].flatMap { Int($0) } ?? 0, instanceID: owner,
                    reason: Self.sentToProviderBatch)
            }
            let handed = Set(made.map(\.blockID))
            for (batch, parameters) in batchRows {
                let kept = batch.requests.filter { handed.contains($0.blockID) }
                guard !kept.isEmpty else { continue }
                let id = try connection.query(
                    """
                    INSERT INTO provider_batches (submission, engine, owner, lease_expires_at, request_count,
                                                  estimated_tokens)
                    VALUES ($1, $2, $3, now() + $4::bigint * interval '1 microsecond', $5::int, $6::bigint)
                    RETURNING id
                    """, parameters)[0]["id"]
                try connection.query(
                    """
                    INSERT INTO provider_batch_requests (custom_id, batch_id, block_id, attempt, segment_ids, line,
                                                         estimated_tokens)
                    SELECT r.custom_id, $1::bigint, r.block_id, r.attempt, r.segment_ids, r.line, r.tokens
                    FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[])
                        AS r (custom_id, block_id, attempt, segment_ids, line, tokens)
                    """,
                    [
                        id, SQLText.arrayLiteral(kept.map(\.customID)), SQLText.arrayLiteral(kept.map(\.blockID)),
                        RuntimeSQL.intArray(kept.map(\.attempt)),
                        SQLText.arrayLiteral(kept.map { JSONValue.array($0.segmentIDs.map { .string($0) }).encoded() }),
                        SQLText.arrayLiteral(kept.map(\.line)),
                        SQLText.arrayLiteral(kept.map { String($0.estimatedTokens) }),
                    ])
            }
            return (handed: handed, made: made)
        }
        guard let outcome else {
            return try await committedEarlier(ids.map { ($0, blocks[$0]!, owner) }, of: .providerBatch, token: token)
        }
        report(outcome.made)
        return outcome.handed
    }

    /// The open batches `owner` drives, with their leases renewed to now + `lease`, plus any whose owner let its
    /// lease lapse (a dead worker's), adopted.
    public func leaseProviderBatches(owner: String, lease: Duration) async throws -> [ProviderBatchRow] {
        try await connection.query(
            """
            WITH picked AS (
                SELECT id FROM provider_batches
                WHERE phase <> 'ended' AND (owner = $1 OR lease_expires_at < now())
                ORDER BY id
                FOR UPDATE SKIP LOCKED
            )
            UPDATE provider_batches p
            SET owner = $1, lease_expires_at = now() + $2::bigint * interval '1 microsecond'
            FROM picked WHERE p.id = picked.id
            RETURNING p.id, p.submission, p.engine, p.phase, p.provider_id, p.create_attempted_at IS NOT NULL AS tried,
                      p.request_count, p.estimated_tokens
            """, [owner, RuntimeSQL.microseconds(lease)]
        ).map { row in
            ProviderBatchRow(
                id: try row.required("id", Int64.init), submission: try row.required("submission"),
                engine: try row.required("engine"),
                phase: try row.required("phase", ProviderBatchRow.Phase.init(rawValue:)),
                providerID: row["provider_id"], createAttempted: row["tried"] == "t",
                requestCount: try row.required("request_count", Int.init),
                estimatedTokens: try row.required("estimated_tokens", Int64.init))
        }.sorted { $0.id < $1.id }
    }

    /// Estimated tokens of an engine's submitted, unfinished batches (the provider's enqueued tokens).
    public func enqueuedBatchTokens(engine: String) async throws -> Int64 {
        try await connection.query(
            "SELECT coalesce(sum(estimated_tokens), 0)::bigint AS n FROM provider_batches WHERE engine = $1"
                + " AND phase = 'submitted'", [engine])[0].required("n", Int64.init)
    }

    /// Records, before the provider is asked to create the batch, that it may exist from now on. Fenced by owner.
    public func markBatchCreateAttempted(_ id: Int64, owner: String) async throws -> Bool {
        try await !connection.query(
            """
            UPDATE provider_batches SET create_attempted_at = now()
            WHERE id = $1::bigint AND owner = $2 AND phase = 'preparing' RETURNING id
            """, [String(id), owner]
        ).isEmpty
    }

    public func markBatchSubmitted(_ id: Int64, owner: String, providerID: String, inputFileID: String?) async throws
        -> Bool
    {
        try await !connection.query(
            """
            UPDATE provider_batches
            SET phase = 'submitted', provider_id = $3, input_file_id = $4, submitted_at = now()
            WHERE id = $1::bigint AND owner = $2 AND phase = 'preparing' RETURNING id
            """, [String(id), owner, providerID, inputFileID]
        ).isEmpty
    }

    /// The requests of a batch, pending or not.
    public func batchRequests(_ batchID: Int64) async throws -> [BatchRequestRow] {
        try await requests(where: "batch_id = $1::bigint", [String(batchID)])
    }

    /// Every request of these block attempts, whatever batch holds it.
    public func batchRequests(blocks: [(id: String, attempt: Int)]) async throws -> [BatchRequestRow] {
        try await requests(
            where: "(block_id, attempt) IN (SELECT * FROM unnest($1::text[], $2::int[]))",
            [SQLText.arrayLiteral(blocks.map(\.id)), RuntimeSQL.intArray(blocks.map(\.attempt))])
    }

    private func requests(where predicate: String, _ parameters: [String?]) async throws -> [BatchRequestRow] {
        try await connection.query(
            """
            SELECT custom_id, block_id, attempt, segment_ids, line, outcome, status, body, error_class, error
            FROM provider_batch_requests WHERE \(predicate) ORDER BY custom_id
            """, parameters
        ).map { row in
            let ids = try JSONSerialization.jsonObject(with: Data(try row.required("segment_ids").utf8)) as? [String]
            return BatchRequestRow(
                customID: try row.required("custom_id"), blockID: try row.required("block_id"),
                attempt: try row.required("attempt", Int.init), segmentIDs: ids ?? [], line: try row.required("line"),
                outcome: try row.required("outcome", BatchRequestRow.Outcome.init(rawValue:)),
                status: row["status"].flatMap { Int($0) }, body: row["body"],
                errorClass: row["error_class"], error: row["error"])
        }
    }

    /// Records the provider's answers to pending requests of a batch (a request answered before keeps its first
    /// answer: downloading the same file twice changes nothing).
    public func recordBatchAnswers(_ batchID: Int64, _ answers: [BatchAnswer]) async throws {
        guard !answers.isEmpty else { return }
        try await connection.query(
            """
            UPDATE provider_batch_requests r
            SET outcome = CASE WHEN a.error_class IS NULL THEN 'answered' ELSE 'failed' END, status = a.status,
                body = a.body, error_class = a.error_class, error = a.error, answered_at = now()
            FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
                AS a (custom_id, status, body, error_class, error)
            WHERE r.custom_id = a.custom_id AND r.batch_id = $1::bigint AND r.outcome = 'pending'
            """,
            [
                String(batchID), SQLText.arrayLiteral(answers.map(\.customID)),
                SQLText.arrayLiteral(answers.map { $0.status.map(String.init) }),
                SQLText.arrayLiteral(answers.map(\.body)), SQLText.arrayLiteral(answers.map(\.errorClass)),
                SQLText.arrayLiteral(answers.map(\.error)),
            ])
    }

    /// Ends a batch the provider is done with. Its still-pending requests (an expired or cancelled batch) move to
    /// a new `preparing` batch under `resubmission`, leased to `owner`; returns that batch's id, or nil when
    /// nothing was pending.
    @discardableResult
    public func endProviderBatch(
        _ id: Int64, owner: String, providerStatus: String, note: String?, resubmission: String, lease: Duration
    ) async throws -> Int64? {
        let parameters = [String(id), owner, providerStatus, note, resubmission, RuntimeSQL.microseconds(lease)]
        return try await connection.transaction { connection in
            let ended = try connection.query(
                """
                UPDATE provider_batches SET phase = 'ended', provider_status = $3, note = $4, ended_at = now()
                WHERE id = $1::bigint AND owner = $2 AND phase <> 'ended' RETURNING engine
                """, Array(parameters.prefix(4)))
            guard let engine = ended.first?["engine"] else { return nil }
            let pending = try connection.query(
                """
                SELECT count(*) AS n, coalesce(sum(estimated_tokens), 0) AS tokens FROM provider_batch_requests
                WHERE batch_id = $1::bigint AND outcome = 'pending'
                """, [String(id)])[0]
            guard let count = pending["n"].flatMap({ Int($0) }), count > 0 else { return nil }
            let next = try connection.query(
                """
                INSERT INTO provider_batches (submission, engine, owner, lease_expires_at, request_count,
                                              estimated_tokens, resubmits)
                VALUES ($1, $2, $3, now() + $4::bigint * interval '1 microsecond', $5::int, $6::bigint, $7::bigint)
                RETURNING id
                """,
                [resubmission, engine, owner, parameters[5], String(count), pending["tokens"] ?? "0", String(id)]
            )[0]["id"]
            try connection.query(
                """
                UPDATE provider_batch_requests SET batch_id = $2::bigint
                WHERE batch_id = $1::bigint AND outcome = 'pending'
                """, [String(id), next])
            return next.flatMap { Int64($0) }
        }
    }

    /// Blocks in provider batches, as claimed blocks, for finishing their attempt: only those still leased to
    /// `provider-batch` at that attempt.
    public func blocksInProviderBatches(_ blocks: [(id: String, attempt: Int)]) async throws -> [ClaimedBlock] {
        guard !blocks.isEmpty else { return [] }
        return try await connection.query(
            """
            SELECT b.id, b.pipeline, b.block_hash, b.target_language, b.attempt, b.attempt_base, b.spec_hash,
                   b.revision, \(RuntimeSQL.rfc3339Milliseconds("b.lease_expires_at")) AS lease_expires_at, bc.records
            FROM unnest($1::text[], $2::int[]) AS i (id, attempt)
            JOIN blocks b ON b.id = i.id AND b.attempt = i.attempt
            JOIN block_contents bc ON bc.hash = b.block_hash
            WHERE b.state = 'in_process' AND b.lease_owner = $3
            ORDER BY b.id
            """,
            [
                SQLText.arrayLiteral(blocks.map(\.id)), RuntimeSQL.intArray(blocks.map(\.attempt)),
                Self.providerBatchOwner,
            ]
        ).map { row in
            ClaimedBlock(
                id: try row.required("id"), pipeline: try row.required("pipeline"),
                blockHash: try row.required("block_hash"), targetLanguage: try row.required("target_language"),
                attempt: try row.required("attempt", Int.init), attemptBase: try row.required("attempt_base", Int.init),
                specHash: try row.required("spec_hash"), records: try row.required("records"),
                leaseExpiresAt: try row.required("lease_expires_at"), revision: try row.required("revision", Int64.init)
            )
        }
    }
}

extension Store {
    /// Block attempts in provider batches whose every request has its answer (or its failure): ready to finish.
    public func providerBatchBlocksReady(limit: Int) async throws -> [(id: String, attempt: Int)] {
        try await connection.query(
            """
            SELECT b.id, b.attempt FROM blocks b
            WHERE b.state = 'in_process' AND b.lease_owner = $1
                AND EXISTS (SELECT 1 FROM provider_batch_requests r WHERE r.block_id = b.id AND r.attempt = b.attempt)
                AND NOT EXISTS (SELECT 1 FROM provider_batch_requests r
                                WHERE r.block_id = b.id AND r.attempt = b.attempt AND r.outcome = 'pending')
            ORDER BY b.id
            LIMIT $2::int
            """, [Self.providerBatchOwner, String(limit)]
        ).map { (try $0.required("id"), try $0.required("attempt", Int.init)) }
    }
}

extension Store {
    /// Blocks waiting in provider batches, per pipeline (a walk of the `in_process` blocks only).
    public func blocksWaitingInProviderBatches() async throws -> [String: Int] {
        try await connection.query(
            """
            SELECT pipeline, count(*) AS n FROM blocks WHERE state = 'in_process' AND lease_owner = $1
            GROUP BY pipeline
            """, [Self.providerBatchOwner]
        ).reduce(into: [:]) { counts, row in
            if let pipeline = row["pipeline"], let n = row["n"].flatMap({ Int($0) }) { counts[pipeline] = n }
        }
    }
}

extension Store {
    /// Before a batch is first submitted, gathers into it the other batches of the same engine that `owner` holds
    /// and never tried to submit, oldest first, as far as the limits allow: workers hand blocks over at every
    /// commit, and one provider batch per commit would make many small batches. The batches gathered end with a
    /// note naming the one that took their requests. Returns the batch's request count and estimated tokens
    /// after gathering, or nil when it is not a never-submitted batch of `owner`.
    public func gatherPreparingBatches(
        into id: Int64, owner: String, limits: Engine.BatchSettings
    ) async throws -> (requests: Int, tokens: Int64)? {
        let parameters = [String(id), owner]
        return try await connection.transaction { connection in
            let sizes = """
                (SELECT coalesce(sum(octet_length(r.line) + 1), 0) FROM provider_batch_requests r
                 WHERE r.batch_id = p.id AND r.outcome = 'pending') AS bytes
                """
            guard
                let target = try connection.query(
                    """
                    SELECT p.submission, p.engine, p.request_count, p.estimated_tokens, \(sizes)
                    FROM provider_batches p
                    WHERE p.id = $1::bigint AND p.owner = $2 AND p.phase = 'preparing'
                        AND p.create_attempted_at IS NULL
                    FOR UPDATE
                    """, parameters
                ).first,
                let engine = target["engine"], let submission = target["submission"]
            else { return nil }
            var requests = Int(target["request_count"] ?? "0") ?? 0
            var tokens = Int64(target["estimated_tokens"] ?? "0") ?? 0
            var bytes = Int64(target["bytes"] ?? "0") ?? 0
            var gathered: [String] = []
            for candidate in try connection.query(
                """
                SELECT p.id, p.request_count, p.estimated_tokens, \(sizes)
                FROM provider_batches p
                WHERE p.engine = $3 AND p.owner = $2 AND p.phase = 'preparing' AND p.create_attempted_at IS NULL
                    AND p.id <> $1::bigint
                ORDER BY p.id
                FOR UPDATE SKIP LOCKED
                """, parameters + [engine])
            {
                let count = Int(candidate["request_count"] ?? "0") ?? 0
                let weight = Int64(candidate["estimated_tokens"] ?? "0") ?? 0
                let size = Int64(candidate["bytes"] ?? "0") ?? 0
                guard requests + count <= limits.maxRequests, bytes + size <= limits.maxFileBytes,
                    tokens + weight <= limits.maxEnqueuedTokens ?? .max, let other = candidate["id"]
                else { break }
                requests += count
                tokens += weight
                bytes += size
                gathered.append(other)
            }
            guard !gathered.isEmpty else { return (requests, tokens) }
            let others = "{" + gathered.joined(separator: ",") + "}"
            try connection.query(
                "UPDATE provider_batch_requests SET batch_id = $1::bigint WHERE batch_id = ANY($2::bigint[])",
                [String(id), others])
            try connection.query(
                """
                UPDATE provider_batches SET phase = 'ended', request_count = 0, estimated_tokens = 0,
                    ended_at = now(), note = 'gathered into ' || $2
                WHERE id = ANY($1::bigint[])
                """, [others, submission])
            try connection.query(
                """
                UPDATE provider_batches SET request_count = $2::int, estimated_tokens = $3::bigint
                WHERE id = $1::bigint
                """, [String(id), String(requests), String(tokens)])
            return (requests, tokens)
        }
    }
}
