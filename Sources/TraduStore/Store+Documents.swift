import TraduCore
import TraduPostgres

/// A block content that holds a document with the key asked for (the caller checks the id: keys can collide).
public struct IndexedContent: Sendable, Hashable {
    public var hash: String
    public var dataset: String
    /// The content's records, JSON Lines as the cutter wrote them.
    public var records: String
}

/// A block on a content, with the content's hash and its current result's records, if it has one.
public struct ContentBlock: Sendable, Hashable {
    public var block: BlockSummary
    public var content: String
    public var resultRecords: String?
    public var resultAttempt: Int?
}

extension Store {
    /// The contents whose documents include one with `key`: one bucket's index rows, unnested (see migration
    /// 12), then the contents by primary key.
    public func contents(holding key: DocumentKey) async throws -> [IndexedContent] {
        try await connection.query(
            """
            SELECT c.hash, c.dataset, c.records
            FROM block_contents c
            WHERE c.hash IN (
                SELECT replace(u.content::text, '-', '')
                FROM document_index d, unnest(d.keys, d.contents) AS u (key, content)
                WHERE d.bucket = $1::int AND u.key = $2::bigint)
            ORDER BY c.dataset, c.hash
            """, [String(key.bucket), String(key.value)]
        ).map { row in
            IndexedContent(
                hash: try row.required("hash"), dataset: try row.required("dataset"),
                records: try row.required("records"))
        }
    }

    /// Every block on the given contents, cancelled ones included, with its current result (the result of the
    /// spec the block last completed with), in pipeline and language order.
    public func blocks(onContents hashes: [String]) async throws -> [ContentBlock] {
        guard !hashes.isEmpty else { return [] }
        var blocks = try await connection.query(
            """
            SELECT b.id, b.pipeline, b.target_language, b.state, b.attempt, b.attempt_base, b.error_class,
                   b.last_error, \(SQLText.rfc3339("b.updated_at")) AS updated_at, b.block_hash,
                   r.records AS result_records, r.attempt AS result_attempt
            FROM content_blocks m
            JOIN blocks b ON b.id = m.block_id
            LEFT JOIN results r ON r.block_id = b.id AND r.spec_hash = b.result_spec
            WHERE m.block_hash = ANY($1::text[])
            ORDER BY b.pipeline, b.target_language, b.id
            """, [SQLText.arrayLiteral(hashes)]
        ).map { row in
            ContentBlock(
                block: BlockSummary(
                    id: try row.required("id"), pipeline: try row.required("pipeline"),
                    targetLanguage: try row.required("target_language"),
                    state: try row.required("state", BlockState.init(rawValue:)),
                    attempt: try row.required("attempt", Int.init),
                    attemptBase: try row.required("attempt_base", Int.init), errorClass: row["error_class"],
                    lastError: row["last_error"], updatedAt: try row.required("updated_at")),
                content: try row.required("block_hash"), resultRecords: row["result_records"],
                resultAttempt: row["result_attempt"].flatMap(Int.init))
        }
        let records = try await withSources(blocks.map(\.resultRecords), of: blocks.map(\.block.id))
        for index in blocks.indices { blocks[index].resultRecords = records[index] }
        return blocks
    }
}
