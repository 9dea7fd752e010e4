import Foundation
import TraduPostgres

/// The statements that took the most server time in a run, from `pg_stat_statements` (`tradu-bench run
/// --statements`): which statement a change made dearer or cheaper, where the run's totals only say that
/// something did.
struct StatementCost: Sendable, Hashable {
    var calls: Int
    var rows: Int
    var milliseconds: Double
    /// The slowest single execution: what one caller waited at worst (a GIN index's pending list merged into it
    /// by the insert that fills it, a page split), where the total shows only the average.
    var maxMilliseconds: Double = 0
    var walBytes: Int64
    /// Functions JIT-compiled for the statement, and the milliseconds the compiling took (generation, inlining,
    /// optimisation, emission): a statement whose estimated cost passes `jit_above_cost` pays that at every
    /// execution, whatever it then reads.
    var jitFunctions: Int = 0
    var jitMilliseconds: Double = 0
    /// The statement's text, whitespace folded, cut to `StatementCosts.textLength` characters.
    var text: String

    var json: [String: Any] {
        [
            "calls": calls, "rows": rows, "milliseconds": milliseconds, "maxMilliseconds": maxMilliseconds,
            "walBytes": walBytes,
            "jitFunctions": jitFunctions, "jitMilliseconds": jitMilliseconds, "text": text,
        ]
    }
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
        try await read(connection, filter: "TRUE", order: "total_exec_time")
    }

    /// The `shown` statements of this database that were JIT-compiled since `reset`, the longest compiling first.
    static func readCompiled(_ connection: PostgresConnection) async throws -> [StatementCost] {
        try await read(connection, filter: "jit_functions > 0", order: jitMilliseconds)
    }

    private static let jitMilliseconds =
        "(jit_generation_time + jit_inlining_time + jit_optimization_time + jit_emission_time)"

    private static func read(_ connection: PostgresConnection, filter: String, order: String) async throws
        -> [StatementCost]
    {
        try await connection.query(
            """
            SELECT calls, rows, total_exec_time, max_exec_time, wal_bytes, jit_functions, \(jitMilliseconds) AS jit_ms,
                   left(regexp_replace(query, '\\s+', ' ', 'g'), $1::int) AS text
            FROM public.pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND \(filter)
            ORDER BY \(order) DESC
            LIMIT $2::int
            """, [String(textLength), String(shown)]
        ).map { row in
            StatementCost(
                calls: Int(row["calls"] ?? "") ?? 0, rows: Int(row["rows"] ?? "") ?? 0,
                milliseconds: Double(row["total_exec_time"] ?? "") ?? 0,
                maxMilliseconds: Double(row["max_exec_time"] ?? "") ?? 0,
                walBytes: Int64(Double(row["wal_bytes"] ?? "") ?? 0),
                jitFunctions: Int(row["jit_functions"] ?? "") ?? 0,
                jitMilliseconds: Double(row["jit_ms"] ?? "") ?? 0, text: row["text"] ?? "")
        }
    }
}
