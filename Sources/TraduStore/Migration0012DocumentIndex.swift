extension StoreMigrations {
    /// The document index: from a document id to the block contents that hold it, and from a content to its
    /// blocks, for the API's document lookup.
    ///
    /// A B-tree entry per document would cost apply one random index insert per document (measured: 3 to 6 s
    /// per million documents, against well under a second for the contents themselves). Instead a document's
    /// 64-bit key (`DocumentKey`) files it in one of 4,096 buckets, and apply writes a row per 64 documents of a
    /// bucket: the keys sorted, each with its content's hash as a uuid (16 bytes). A lookup reads its bucket's
    /// rows (one or two per apply that brought documents of that bucket) and unnests them. Contents that
    /// existed before this migration are indexed here, in SQL, with the same key function.
    ///
    /// `blocks_content` serves the second step (a content's blocks), and will serve pruning contents no block
    /// references. `block_hash` is never updated, so the index costs no HOT update.
    public static let documentIndex = Migration(
        version: 12, name: "document index",
        sql: """
            CREATE TABLE document_index (
                bucket int NOT NULL,
                keys bigint[] NOT NULL,
                contents uuid[] NOT NULL,
                CHECK (cardinality(keys) = cardinality(contents))
            );
            CREATE INDEX document_index_bucket ON document_index (bucket);
            CREATE INDEX blocks_content ON blocks (block_hash);

            """ + documentIndexBackfill, compatibility: .expand)

    /// Indexes every content's documents, in SQL: what migration 12 runs for contents applied before it. Public
    /// for the test that holds it to what apply writes.
    public static let documentIndexBackfill = """
        INSERT INTO document_index (bucket, keys, contents)
        SELECT bucket, array_agg(key ORDER BY key, content), array_agg(content ORDER BY key, content)
        FROM (
            SELECT k.key >> 52 AS bucket, k.key, c.hash::uuid AS content,
                   (row_number() OVER (PARTITION BY k.key >> 52 ORDER BY k.key, c.hash) - 1) / 64 AS part
            FROM block_contents c
            CROSS JOIN LATERAL regexp_split_to_table(rtrim(c.records, E'\\n'), E'\\n') AS line
            CROSS JOIN LATERAL (
                SELECT ('x' || substr(md5(line::json ->> 'id'), 1, 16))::bit(64)::bigint AS key
            ) k
            WHERE line LIKE '{"id":%'
        ) d
        GROUP BY bucket, part;
        """
}
