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

@Suite struct BinaryCopyTests {
    @Test func binaryRowsRoundTripTextIntegersAndNulls() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE b (id int, big bigint, body text, note text)")
        let awkward = "tab\there\nnewline \\ backslash \r é ✓ \"quoted\""
        let rows: [[CopyBinaryValue?]] =
            [
                [.int32(1), .int64(Int64.max), .text(awkward), nil],
                [.int32(-7), .int64(-1), .text(""), .text("x")],
            ]
            + (3...5000).map {
                [.int32(Int32($0)), .int64(Int64($0) << 33), .text(String(repeating: "ab", count: $0)), nil]
            }
        let stored = try await connection.copyIn(
            sql: "COPY b (id, big, body, note) FROM STDIN (FORMAT binary)", binaryRows: rows)
        #expect(stored == 5000)
        let first = try await connection.query("SELECT big::text, body, note FROM b WHERE id = 1")[0]
        #expect(first["big"] == String(Int64.max))
        #expect(first["body"] == awkward)
        #expect(first["note"] == nil)
        let second = try await connection.query("SELECT big::text, body, note FROM b WHERE id = -7")[0]
        #expect(second["big"] == "-1")
        #expect(second["body"] == "")
        #expect(second["note"] == "x")
        let total = try await connection.query(
            "SELECT sum(length(body))::text AS n, max(big)::text AS m FROM b WHERE id > 2")[0]
        #expect(total["n"] == String((3...5000).reduce(0) { $0 + 2 * $1 }))
        #expect(total["m"] == String(Int64(5000) << 33))
    }

    @Test func aNulInABinaryValueAbortsTheWholeCopy() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE z (a text)")
        let error = await #expect(throws: PostgresError.self) {
            try await connection.copyIn(
                sql: "COPY z (a) FROM STDIN (FORMAT binary)", binaryRows: [[.text("ok")], [.text("bad\u{0}")]])
        }
        #expect(error?.message.contains("NUL") == true)
        #expect(try await connection.query("SELECT count(*) AS n FROM z")[0]["n"] == "0")
        // The connection is usable afterwards.
        #expect(try await connection.query("SELECT 1 AS one")[0]["one"] == "1")
    }

    @Test func aValueOfTheWrongTypeIsRefusedByTheServer() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE w (a bigint)")
        await #expect(throws: PostgresError.self) {
            try await connection.copyIn(sql: "COPY w (a) FROM STDIN (FORMAT binary)", binaryRows: [[.int32(1)]])
        }
        #expect(try await connection.query("SELECT count(*) AS n FROM w")[0]["n"] == "0")
    }
}
