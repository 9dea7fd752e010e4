extension StoreMigrations {
    /// From a block content to its blocks, in a table of its own: `content_blocks` (content hash, block id), written
    /// once when a block is added, instead of `blocks_content`, an index on `blocks`.
    ///
    /// Why: no update of `blocks` is HOT (its state is indexed), so every transition wrote a new entry in every index
    /// of `blocks`, `blocks_content` included, although `block_hash` never changes: three entries a run for a lookup
    /// that only the document API, erasure and pruning make. Measured before it was built (`tradu-bench run`,
    /// 20,000 blocks, durable embedded PostgreSQL, three interleaved runs): without `blocks_content` the run wrote
    /// 6% less WAL per block and took 15% less server CPU per block.
    ///
    /// The rows are written by a statement trigger on `blocks`, from the statement's new rows, so that a previous
    /// release's apply, which knows nothing of this table, adds them too: the migration is expand. (A large first
    /// apply, `BulkLoad`, turns the trigger off for its transaction and writes the rows itself.) A previous release
    /// that deletes blocks leaves their rows behind; readers join `blocks`, so such a row names nothing.
    ///
    /// The foreign key from a block to its content moves here too. It is what stops a prune from deleting a content
    /// that an apply is adding a block on at the same moment (one of the two fails); the previous release relies
    /// on that check being made, which it still is, for its applies as well (through the trigger), not on the
    /// table that makes it.
    public static let contentBlocks = Migration(
        version: 17, name: "content-blocks",
        sql: """
            CREATE TABLE content_blocks (
                block_hash text NOT NULL,
                block_id text NOT NULL,
                PRIMARY KEY (block_hash, block_id)
            );
            INSERT INTO content_blocks (block_hash, block_id) SELECT block_hash, id FROM blocks ORDER BY 1, 2;
            -- The reference to the content moves with the lookup: deleting a content checks for referencing rows by
            -- this table's key, where on `blocks` it would read the whole table without `blocks_content`.
            ALTER TABLE content_blocks ADD CONSTRAINT content_blocks_block_hash_fkey
                FOREIGN KEY (block_hash) REFERENCES block_contents (hash);
            ALTER TABLE blocks DROP CONSTRAINT IF EXISTS blocks_block_hash_fkey;

            CREATE FUNCTION content_blocks_add() RETURNS trigger LANGUAGE plpgsql
            SET search_path FROM CURRENT AS $$
            BEGIN
                INSERT INTO content_blocks (block_hash, block_id)
                SELECT block_hash, id FROM added ORDER BY 1, 2
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER blocks_content_blocks AFTER INSERT ON blocks REFERENCING NEW TABLE AS added
                FOR EACH STATEMENT EXECUTE FUNCTION content_blocks_add();

            DROP INDEX IF EXISTS blocks_content;
            """, compatibility: .expand)
}
