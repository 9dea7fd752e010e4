import TraduPostgres

/// The results of the blocks one completion committed, written in its transaction after `completeSQL` fenced them:
/// a block's first result under its spec by `COPY`, a result that replaces one of the same spec (the block was
/// reprocessed under it) by an `UPDATE`.
///
/// Why `COPY`: it stores the rows of a page with one WAL record (`heap_multi_insert`), where an `INSERT` logs each
/// row alone (see `TransitionEvents`), and the records, most of a completion's bytes, cross the wire once, in
/// binary. No other transaction can write the result of a block the completion holds: `completeSQL` updated the
/// block's row, fenced by its attempt, and keeps it locked until commit. So whether a result exists, read by the
/// statement, still holds when the rows go in, and no insert needs `ON CONFLICT`.
struct StoredResults {
    private(set) var added: [[CopyBinaryValue?]] = []
    private(set) var replaced: [(block: CompletedBlock, spec: String, pipeline: String, targetLanguage: String)] = []

    init(capacity: Int = 0) {
        added.reserveCapacity(capacity)
    }

    /// The result of `block`, which `completeSQL` completed and answered with `row` (its spec, labels, and
    /// whether a result of that spec exists).
    mutating func append(_ block: CompletedBlock, completedAs row: PostgresRow) throws {
        let spec: String = try row.required("spec_hash")
        let pipeline: String = try row.required("pipeline")
        let targetLanguage: String = try row.required("target_language")
        if try row.required("has_result") == "t" {
            replaced.append((block, spec, pipeline, targetLanguage))
            return
        }
        added.append([
            .text(block.id), .text(spec), .text(pipeline), .text(targetLanguage), .int32(Int32(block.attempt)),
            .text(block.instanceID), .text(block.records), .int64(Int64(block.inputTokens)),
            .int64(Int64(block.outputTokens)), .int32(Int32(block.memoryHits)), block.memoryKey.map { .text($0) },
        ])
    }

    /// Writes the results in the caller's transaction.
    func write(on connection: isolated PostgresConnection) throws {
        if !added.isEmpty { try connection.copyIn(sql: Self.copySQL, smallBinaryBatch: added) }
        guard !replaced.isEmpty else { return }
        let blocks = replaced.map(\.block)
        try connection.query(
            Self.replaceSQL,
            binding: [
                .textArray(blocks.map(\.id)), .textArray(replaced.map(\.spec)), .textArray(replaced.map(\.pipeline)),
                .textArray(replaced.map(\.targetLanguage)), .intArray(blocks.map(\.attempt)),
                .textArray(blocks.map(\.instanceID)), .textArray(blocks.map(\.records)),
                .bigintArray(blocks.map { Int64($0.inputTokens) }), .bigintArray(blocks.map { Int64($0.outputTokens) }),
                .intArray(blocks.map(\.memoryHits)), .textArray(blocks.map(\.memoryKey)),
            ])
    }

    static let copySQL = """
        COPY results (block_id, spec_hash, pipeline, target_language, attempt, instance_id, records, input_tokens,
                      output_tokens, memory_hits, memory_key) FROM STDIN (FORMAT binary)
        """

    static let replaceSQL = """
        UPDATE results r
        SET pipeline = u.pipeline, target_language = u.target_language, attempt = u.attempt,
            instance_id = u.instance_id, records = u.records, input_tokens = u.input_tokens,
            output_tokens = u.output_tokens, memory_hits = u.memory_hits, memory_key = u.memory_key,
            completed_at = now()
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bigint[],
                    $9::bigint[], $10::int[], $11::text[])
            AS u (id, spec, pipeline, target_language, attempt, instance_id, records, input_tokens, output_tokens,
                  memory_hits, memory_key)
        WHERE r.block_id = u.id AND r.spec_hash = u.spec
        """
}
