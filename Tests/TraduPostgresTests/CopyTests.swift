import Testing
import TraduPostgres
import TraduTestSupport

@Suite struct CopyTests {
    @Test func trickyValuesRoundTrip() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE c (id int PRIMARY KEY, a text, b text)")
        let values: [[String?]] = [
            ["1", "tab\there", "new\nline"],
            ["2", "back\\slash \\N \\t", "carriage\r\nreturn"],
            ["3", nil, ""],
            ["4", "\\.", "ünïcødé ✓ 日本語 🚀"],
            ["5", "\"quotes\" 'single' ,comma;", "trailing backslash\\"],
            ["6", "\u{1}\u{7f} control", nil],
        ]
        let stored = try await connection.copyIn(sql: "COPY c (id, a, b) FROM STDIN", rows: values)
        #expect(stored == values.count)
        let rows = try await connection.query("SELECT id, a, b FROM c ORDER BY id")
        #expect(rows.map { $0.values } == values)
    }

    @Test func hundredThousandRows() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE big (id bigint, payload text)")
        let rows = (0..<100_000).lazy.map { index -> [String?] in
            [String(index), index % 10 == 0 ? nil : "row \(index)\twith tab"]
        }
        let stored = try await connection.copyIn(sql: "COPY big (id, payload) FROM STDIN", rows: rows)
        #expect(stored == 100_000)
        let summary = try await connection.query(
            """
            SELECT count(*) AS n, count(payload) AS with_payload, sum(id) AS total,
                   bool_and(payload IS NULL OR payload LIKE 'row %' || E'\\twith tab') AS intact
            FROM big
            """)[0]
        #expect(try summary.int("n") == 100_000)
        #expect(try summary.int("with_payload") == 90_000)
        #expect(try summary.int64("total") == 4_999_950_000)
        #expect(try summary.bool("intact") == true)
    }

    @Test func serverErrorAbortsCopyAndConnectionStaysUsable() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE n (id int NOT NULL)")
        let error = await #expect(throws: PostgresError.self) {
            try await connection.copyIn(sql: "COPY n (id) FROM STDIN", rows: [["1"], ["not a number"]])
        }
        #expect(error?.sqlState == "22P02")
        #expect(try await connection.query("SELECT count(*) AS n FROM n")[0].int("n") == 0)
    }

    @Test func nulValueAbortsCopy() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE z (a text)")
        let error = await #expect(throws: PostgresError.self) {
            try await connection.copyIn(sql: "COPY z (a) FROM STDIN", rows: [["ok"], ["bad\u{0}"]])
        }
        #expect(error?.kind == .misuse)
        #expect(try await connection.query("SELECT count(*) AS n FROM z")[0].int("n") == 0)
        #expect(try await connection.query("SELECT 1 AS one")[0]["one"] == "1")
    }

    @Test func notACopyStatement() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let error = await #expect(throws: PostgresError.self) {
            try await connection.copyIn(sql: "SELECT 1", rows: [[String?]]())
        }
        #expect(error?.kind == .misuse)
    }
}
