import Foundation
import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Migration 20 (`byteOrderKeys`): on a database whose default collation is linguistic (ICU's `en-US` here, as
/// managed services create theirs), every text column an index orders compares in byte order afterwards; on a C
/// database it changes nothing, not even an index's files.
@Suite struct ByteOrderKeysTests {
    /// Indexed text columns of `tradu_dev` as "table.column", with whether each compares in byte order (its own
    /// collation is C, or it has the default and the database's is C).
    static func indexedTextColumns(_ connection: PostgresConnection) async throws -> [String: Bool] {
        let rows = try await connection.query(
            """
            SELECT DISTINCT t.relname || '.' || a.attname AS name,
                   (a.attcollation = 'pg_catalog."C"'::regcollation
                    OR (a.attcollation = 'pg_catalog."default"'::regcollation AND d.datcollate = 'C'
                        AND d.datlocprovider = 'c'))::text AS byte_order
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (x.indkey)
            JOIN pg_database d ON d.datname = current_database()
            WHERE n.nspname = 'tradu_dev' AND a.atttypid = 'text'::regtype
            """)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] ?? "", $0["byte_order"] == "true") })
    }

    /// The plan of a prefix search for a block, as `tradu trace <prefix>` makes it, with sequential scans off so
    /// the planner shows whether the primary key can serve it.
    static func prefixSearchPlan(_ connection: PostgresConnection) async throws -> String {
        try await connection.execute("SET enable_seqscan = off")
        let plan = try await connection.query("EXPLAIN SELECT id FROM tradu_dev.blocks WHERE id LIKE 'ab' || '%'")
        try await connection.execute("RESET enable_seqscan")
        return plan.compactMap { $0["QUERY PLAN"] }.joined(separator: "\n")
    }

    @Test func onALinguisticDatabaseEveryIndexedTextColumnComparesInByteOrder() async throws {
        let url = try await TestPostgres.shared.freshDatabase(icuLocale: "en-US")
        let connection = try await PostgresConnection.connect(url)
        let schema = try EnvironmentSchema(environment: "dev")
        let earlier = StoreMigrations.all.filter { $0.version < StoreMigrations.byteOrderKeys.version }
        try await Migrator(connection: connection, migrations: earlier).migrate(environmentSchema: schema)
        let before = try await Self.indexedTextColumns(connection)
        #expect(before["blocks.id"] == false, "the database is linguistic: \(before)")
        #expect(before.values.allSatisfy { !$0 })
        #expect(!(try await Self.prefixSearchPlan(connection)).contains("Index Cond"))

        try await Migrator(connection: connection).migrate(environmentSchema: schema)
        let after = try await Self.indexedTextColumns(connection)
        // Later migrations index more text columns (migration 26: `results.memory_key`, declared in byte order).
        #expect(Set(before.keys).isSubset(of: Set(after.keys)), "\(after.keys.sorted())")
        for hot in [
            "blocks.id", "block_events.block_id", "results.block_id", "translation_memory.key", "results.memory_key",
        ] {
            #expect(after[hot] == true, "\(hot)")
        }
        let linguistic = after.filter { !$0.value }.keys.sorted()
        #expect(linguistic.isEmpty, "still linguistic: \(linguistic)")
        let plan = try await Self.prefixSearchPlan(connection)
        #expect(plan.contains("Index Cond"), "\(plan)")
        await connection.close()
    }

    @Test func onACDatabaseNothingChanges() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let connection = try await PostgresConnection.connect(url)
        let schema = try EnvironmentSchema(environment: "dev")
        let earlier = StoreMigrations.all.filter { $0.version < StoreMigrations.byteOrderKeys.version }
        try await Migrator(connection: connection, migrations: earlier).migrate(environmentSchema: schema)
        let files =
            "SELECT string_agg(relname || ':' || relfilenode, ',' ORDER BY relname) AS f FROM pg_class"
            + " WHERE relnamespace = 'tradu_dev'::regnamespace AND relkind = 'i'"
        let before = try await connection.query(files).first?["f"]
        let through = StoreMigrations.all.filter { $0.version <= StoreMigrations.byteOrderKeys.version }
        try await Migrator(connection: connection, migrations: through).migrate(environmentSchema: schema)
        #expect(try await connection.query(files).first?["f"] == before, "no index was rebuilt")
        let collations = try await connection.query(
            """
            SELECT count(*)::text AS n FROM pg_attribute
            WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'tradu_dev'::regnamespace)
                AND attcollation = 'pg_catalog."C"'::regcollation
            """)
        #expect(collations.first?["n"] == "0")
        #expect(try await Self.indexedTextColumns(connection).values.allSatisfy { $0 })
        #expect((try await Self.prefixSearchPlan(connection)).contains("Index Cond"))
        await connection.close()
    }
}
