extension StoreMigrations {
    /// Makes every text column that an index orders compare in byte order (`COLLATE "C"`), on databases whose
    /// default collation does not already: block ids, content and spec hashes, memory keys, pipeline and instance
    /// names, states.
    ///
    /// Why: tradu's keys are hex digests and names, never words. Under a linguistic collation (`en_US.UTF-8`, or
    /// ICU's `en-US`: what most managed PostgreSQL services create databases with) every comparison a B-tree makes
    /// on them goes through `strcoll` or ICU instead of `memcmp`. The hot path's statements (`bench/key_shapes.sh
    /// COLLATION=...`) cost 20 to 26% more server CPU a block there than on the embedded server's C collation, for
    /// no ordering anyone reads. Byte order is also the order Swift compares these strings in, and it lets a
    /// prefix search (`tradu trace <prefix>`: `id LIKE 'ab%'`) use the primary key, which a linguistic collation's
    /// index cannot.
    ///
    /// On a database created with the C (or POSIX) collation nothing changes: the columns already compare in byte
    /// order, and altering them would only rebuild their indexes. Elsewhere each table is altered once, which
    /// rebuilds its indexes on the altered columns (the rows stay where they are: the type does not change), under
    /// the table's exclusive lock.
    ///
    /// A column's collation changes no statement's result for these values (hex digits and names order the same
    /// way, equality is byte equality under any deterministic collation), and an expression mixing a C column with
    /// the database's default takes C: the previous release's statements run unchanged, so this is an expand
    /// migration (`MigrationTests.allowed` lists the one rule it breaks by letter, `ALTER COLUMN ... TYPE`, and
    /// `RollingUpgradeTests` runs the previous release's binary on a linguistic database migrated by it).
    public static let byteOrderKeys = Migration(
        version: 20, name: "byte-order-keys",
        sql: """
            DO $byte_order$
            BEGIN
                IF EXISTS (
                    SELECT FROM pg_database d
                    WHERE d.datname = current_database() AND d.datcollate IN ('C', 'POSIX')
                        AND coalesce(to_jsonb(d) ->> 'datlocprovider', 'c') = 'c')
                THEN
                    RETURN;
                END IF;
                ALTER TABLE blocks ALTER COLUMN id TYPE text COLLATE "C",
                    ALTER COLUMN pipeline TYPE text COLLATE "C", ALTER COLUMN state TYPE text COLLATE "C",
                    ALTER COLUMN lease_owner TYPE text COLLATE "C";
                ALTER TABLE block_events ALTER COLUMN block_id TYPE text COLLATE "C";
                ALTER TABLE results ALTER COLUMN block_id TYPE text COLLATE "C",
                    ALTER COLUMN spec_hash TYPE text COLLATE "C";
                ALTER TABLE translation_memory ALTER COLUMN key TYPE text COLLATE "C";
                ALTER TABLE block_contents ALTER COLUMN hash TYPE text COLLATE "C";
                ALTER TABLE content_blocks ALTER COLUMN block_hash TYPE text COLLATE "C",
                    ALTER COLUMN block_id TYPE text COLLATE "C";
                ALTER TABLE sink_deliveries ALTER COLUMN block_id TYPE text COLLATE "C",
                    ALTER COLUMN sink TYPE text COLLATE "C", ALTER COLUMN spec_hash TYPE text COLLATE "C";
                ALTER TABLE rollout_blocks ALTER COLUMN block_id TYPE text COLLATE "C";
                ALTER TABLE rollouts ALTER COLUMN pipeline TYPE text COLLATE "C";
                ALTER TABLE provider_batch_requests ALTER COLUMN block_id TYPE text COLLATE "C",
                    ALTER COLUMN custom_id TYPE text COLLATE "C";
                ALTER TABLE provider_batches ALTER COLUMN submission TYPE text COLLATE "C";
                ALTER TABLE instances ALTER COLUMN id TYPE text COLLATE "C";
                ALTER TABLE pipelines ALTER COLUMN name TYPE text COLLATE "C";
                ALTER TABLE pipeline_status ALTER COLUMN pipeline TYPE text COLLATE "C";
                ALTER TABLE pipeline_pauses ALTER COLUMN pipeline TYPE text COLLATE "C";
                ALTER TABLE spend ALTER COLUMN pipeline TYPE text COLLATE "C";
                ALTER TABLE dataset_cuts ALTER COLUMN dataset TYPE text COLLATE "C";
                ALTER TABLE erased_documents ALTER COLUMN dataset TYPE text COLLATE "C",
                    ALTER COLUMN tombstone TYPE text COLLATE "C";
                ALTER TABLE revisions ALTER COLUMN freight_id TYPE text COLLATE "C";
                ALTER TABLE freight_verdicts ALTER COLUMN freight_id TYPE text COLLATE "C";
            END
            $byte_order$;
            """, compatibility: .expand)
}
