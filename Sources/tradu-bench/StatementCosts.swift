import Foundation
import TraduPostgres

/// The statements that took the most server time in a run, from `pg_stat_statements` (`tradu-bench run
/// --statements`): which statement a change made dearer or cheaper, where the run's totals only say that
/// something did.
struct StatementCost: Sendable, Hashable {
    var calls: Int
    var rows: Int
    var milliseconds: Double
    var walBytes: Int64
    /// The statement's text, whitespace folded, cut to `StatementCosts.textLength` characters.
    var text: String
}

enum StatementCosts {
    static let textLength = 100
    static let shown = 8

    /// The server setting that loads the module (the embedded server gets it at start).
    static let preload = ("shared_preload_libraries", "pg_stat_statements")

    /// Creates the extension if missing and forgets what was counted so far, so that only what follows is read.
    /// Throws when the module is not loaded (a `--database-url` server without it in `shared_preload_libraries`).
    static func reset(_ connection: PostgresConnection) async throws {
        try await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements SCHEMA public")
        try await connection.query("SELECT public.pg_stat_statements_reset()")
    }

    /// The `shown` statements of this database with the most execution time since `reset`.
    static func read(_ connection: PostgresConnection) async throws -> [StatementCost] {
        try await connection.query(
            """
            SELECT calls, rows, total_exec_time, wal_bytes,
                   left(regexp_replace(query, '\\s+', ' ', 'g'), $1::int) AS text
            FROM public.pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC
            LIMIT $2::int
            """, [String(textLength), String(shown)]
        ).map { row in
            StatementCost(
                calls: Int(row["calls"] ?? "") ?? 0, rows: Int(row["rows"] ?? "") ?? 0,
                milliseconds: Double(row["total_exec_time"] ?? "") ?? 0,
                walBytes: Int64(Double(row["wal_bytes"] ?? "") ?? 0), text: row["text"] ?? "")
        }
    }
}
