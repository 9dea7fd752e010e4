import Foundation
import TraduPostgres

/// What the database spent on one schema during a phase: WAL, rows written per table (with how many updates
/// were HOT), dead tuples and index reads at the end, and the tables' and indexes' size. Read from PostgreSQL's
/// statistics before and after; the runtime's connections are closed by then, so their statistics are flushed.
struct CostProbe {
    struct TableRows: Sendable, Hashable {
        var inserted: Int = 0
        var updated: Int = 0
        var hotUpdated: Int = 0
        var deleted: Int = 0
        var dead: Int = 0
        var tableBytes: Int64 = 0
        var indexBytes: Int64 = 0

        var written: Int { inserted + updated + deleted }
    }

    struct IndexReads: Sendable, Hashable {
        var scans: Int = 0
        var tuplesRead: Int = 0
    }

    struct Snapshot {
        var walLSN = "0/0"
        var tables: [String: TableRows] = [:]
        var indexes: [String: IndexReads] = [:]
    }

    /// The difference between two snapshots; sizes and dead tuples are the end's.
    struct Cost {
        var walBytes: Int64 = 0
        var tables: [String: TableRows] = [:]
        var indexes: [String: IndexReads] = [:]

        var rowsWritten: Int { tables.values.reduce(0) { $0 + $1.written } }
        var totalBytes: Int64 { tables.values.reduce(0) { $0 + $1.tableBytes + $1.indexBytes } }

        /// Index tuples each scan of `index` read (a claim walking dead entries reads many).
        func tuplesPerScan(_ index: String) -> Double {
            guard let reads = indexes[index], reads.scans > 0 else { return 0 }
            return Double(reads.tuplesRead) / Double(reads.scans)
        }
    }

    static func snapshot(_ connection: PostgresConnection, schema: String) async throws -> Snapshot {
        // Statistics of other backends arrive within a second of their last transaction; this one sees a
        // snapshot per transaction unless it clears it.
        try await connection.query("SELECT pg_stat_clear_snapshot()")
        var snapshot = Snapshot()
        snapshot.walLSN = try await connection.query("SELECT pg_current_wal_lsn()::text AS lsn")[0]["lsn"] ?? "0/0"
        for row in try await connection.query(
            """
            SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_dead_tup,
                   pg_table_size(relid) AS table_bytes, pg_indexes_size(relid) AS index_bytes
            FROM pg_stat_user_tables WHERE schemaname = $1
            """, [schema])
        {
            snapshot.tables[row["relname"] ?? "?"] = TableRows(
                inserted: Int(row["n_tup_ins"] ?? "") ?? 0, updated: Int(row["n_tup_upd"] ?? "") ?? 0,
                hotUpdated: Int(row["n_tup_hot_upd"] ?? "") ?? 0, deleted: Int(row["n_tup_del"] ?? "") ?? 0,
                dead: Int(row["n_dead_tup"] ?? "") ?? 0, tableBytes: Int64(row["table_bytes"] ?? "") ?? 0,
                indexBytes: Int64(row["index_bytes"] ?? "") ?? 0)
        }
        for row in try await connection.query(
            "SELECT indexrelname, idx_scan, idx_tup_read FROM pg_stat_user_indexes WHERE schemaname = $1", [schema])
        {
            snapshot.indexes[row["indexrelname"] ?? "?"] = IndexReads(
                scans: Int(row["idx_scan"] ?? "") ?? 0, tuplesRead: Int(row["idx_tup_read"] ?? "") ?? 0)
        }
        return snapshot
    }

    static func cost(from start: Snapshot, to end: Snapshot, _ connection: PostgresConnection) async throws -> Cost {
        var cost = Cost()
        cost.walBytes =
            Int64(
                try await connection.query(
                    "SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint AS bytes", [end.walLSN, start.walLSN]
                )[0]["bytes"] ?? "") ?? 0
        for (name, after) in end.tables {
            let before = start.tables[name] ?? TableRows()
            cost.tables[name] = TableRows(
                inserted: after.inserted - before.inserted, updated: after.updated - before.updated,
                hotUpdated: after.hotUpdated - before.hotUpdated, deleted: after.deleted - before.deleted,
                dead: after.dead, tableBytes: after.tableBytes, indexBytes: after.indexBytes)
        }
        for (name, after) in end.indexes {
            let before = start.indexes[name] ?? IndexReads()
            cost.indexes[name] = IndexReads(
                scans: after.scans - before.scans, tuplesRead: after.tuplesRead - before.tuplesRead)
        }
        return cost
    }
}
