import Logging
import Synchronization
import Testing
import TraduPostgres
import TraduTestSupport

@Suite struct QueryTests {
    @Test func parametersIncludingNullAndUnicode() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let rows = try await connection.query(
            "SELECT $1::text AS word, $2::text AS missing, $3::int + 1 AS next, $4::bool AS flag",
            ["héllo wörld ✓ 日本語 🚀", nil, "41", "true"])
        #expect(rows.count == 1)
        #expect(rows.columns == ["word", "missing", "next", "flag"])
        #expect(rows[0]["word"] == "héllo wörld ✓ 日本語 🚀")
        #expect(rows[0]["missing"] == nil)
        #expect(try rows[0].int("next") == 42)
        #expect(try rows[0].bool("flag") == true)
        #expect(try rows[0].int("missing") == nil)
    }

    /// Binary arrays arrive element for element: quotes, backslashes, braces, commas, the word NULL, empty strings,
    /// Unicode and NULLs in text; the ends of each integer range; empty arrays.
    @Test func binaryArraysArriveElementForElement() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let texts: [String?] = [
            #"{"id":"a","text":"say \"hi\""}"#, "back\\slash", "{,}", "NULL", "", nil, "héllo ✓ 日本語 🚀", " padded ",
        ]
        let rows = try await connection.query(
            """
            SELECT t.n, t.word, t.word IS NULL AS missing, i.number, b.big,
                   cardinality($4::text[]) AS empty, array_length($1::text[], 1) AS count
            FROM unnest($1::text[]) WITH ORDINALITY AS t (word, n)
            LEFT JOIN unnest($2::int[]) WITH ORDINALITY AS i (number, n) ON i.n = t.n
            LEFT JOIN unnest($3::bigint[]) WITH ORDINALITY AS b (big, n) ON b.n = t.n
            ORDER BY t.n
            """,
            binding: [
                .textArray(texts), .intArray([Int(Int32.min), -1, 0, Int(Int32.max)]),
                .bigintArray([Int64.min, -1, 0, Int64.max, 5_000_000_000]), .textArray([]),
            ])
        #expect(rows.count == texts.count)
        #expect(rows.map { $0["word"] } == texts)
        #expect(rows.map { $0["missing"] } == texts.map { $0 == nil ? "t" : "f" })
        #expect(rows.prefix(4).map { $0["number"] } == ["-2147483648", "-1", "0", "2147483647"])
        #expect(
            rows.prefix(5).map { $0["big"] } == [
                "-9223372036854775808", "-1", "0", "9223372036854775807", "5000000000",
            ])
        #expect(rows[0]["empty"] == "0")
        #expect(rows[0]["count"] == String(texts.count))
        // Text parameters mix with them, and what the server cannot hold is refused before anything is sent.
        let mixed = try await connection.query(
            "SELECT $1::text || array_to_string($2::text[], '+') AS joined",
            binding: [.text("x="), .textArray(["a", "b"])])
        #expect(mixed[0]["joined"] == "x=a+b")
        let withNulls = try await connection.query(
            "SELECT array_length($1::bigint[], 1) AS n, ($1::bigint[])[2] IS NULL AS hole, ($1::bigint[])[3] AS last",
            binding: [.bigintArray([7, nil, 9])])
        #expect(withNulls[0]["n"] == "3")
        #expect(withNulls[0]["hole"] == "t")
        #expect(withNulls[0]["last"] == "9")
        let tooBig = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::int[]", binding: [.intArray([Int(Int32.max) + 1])])
        }
        #expect(tooBig?.kind == .misuse)
        let withNUL = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::text[]", binding: [.textArray(["a\u{0}b"])])
        }
        #expect(withNUL?.kind == .misuse)
        #expect(try await connection.query("SELECT 1 AS one")[0]["one"] == "1")
    }

    @Test func commandTagAndAffectedRows() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE t (id int PRIMARY KEY, name text); CREATE INDEX ON t (name)")
        let insert = try await connection.query(
            "INSERT INTO t VALUES ($1, $2), ($3, $4)", ["1", "a", "2", nil])
        #expect(insert.commandTag == "INSERT 0 2")
        #expect(insert.affectedRows == 2)
        let rows = try await connection.query("SELECT id, name FROM t ORDER BY id")
        #expect(rows.map { $0["name"] } == ["a", nil])
        #expect(rows.affectedRows == 2)
    }

    @Test func decodingErrorIsTyped() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let rows = try await connection.query("SELECT 'abc' AS n")
        let error = #expect(throws: PostgresError.self) { try rows[0].int("n") }
        #expect(error?.kind == .decoding)
    }

    @Test func syntaxErrorHasSQLState() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let error = await #expect(throws: PostgresError.self) { try await connection.query("SELEC 1") }
        #expect(error?.kind == .query)
        #expect(error?.sqlState == "42601")
        #expect(error?.isSyntaxError == true)
        #expect(error?.position == 1)
        #expect(error?.message.contains("syntax error") == true)
        // The connection is still usable.
        #expect(try await connection.query("SELECT 1 AS one")[0]["one"] == "1")
    }

    @Test func uniqueViolationHasSQLStateDetailAndConstraint() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE u (id int CONSTRAINT u_pkey PRIMARY KEY)")
        try await connection.query("INSERT INTO u VALUES ($1)", ["7"])
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("INSERT INTO u VALUES ($1)", ["7"])
        }
        #expect(error?.isUniqueViolation == true)
        #expect(error?.sqlState == "23505")
        #expect(error?.constraint == "u_pkey")
        #expect(error?.detail == "Key (id)=(7) already exists.")
        #expect(error?.isConnectionLoss == false)
    }

    @Test func serverHintIsRead() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let error = await #expect(throws: PostgresError.self) {
            try await connection.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '55P03', DETAIL = 'd', HINT = 'h'; END $$")
        }
        #expect(error?.message == "boom")
        #expect(error?.detail == "d")
        #expect(error?.hint == "h")
        #expect(error?.isLockNotAvailable == true)
    }

    @Test func noticesDoNotBreakQueriesAndAreLoggedBySeverity() async throws {
        let captured = CapturedLog()
        let logger = Logger(label: "test.notices") { _ in captured.handler() }
        let connection = try await PostgresConnection.connect(
            try await TestPostgres.shared.freshDatabase(), logger: logger)
        try await connection.execute("DO $$ BEGIN RAISE NOTICE 'hello'; RAISE WARNING 'careful'; END $$")
        try await connection.execute("DROP TABLE IF EXISTS does_not_exist")
        // The connection is still usable, and each notice became one log line at its severity's level.
        #expect(try await connection.query("SELECT 41 + 1 AS n")[0]["n"] == "42")
        let lines = captured.lines
        #expect(lines.contains { $0.level == .warning && $0.message == "careful" && $0.severity == "WARNING" })
        #expect(lines.contains { $0.level == .debug && $0.message == "hello" && $0.severity == "NOTICE" })
        #expect(lines.contains { $0.level == .debug && $0.message.contains("does_not_exist") })
    }

    @Test func nulInParameterIsRejected() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let error = await #expect(throws: PostgresError.self) {
            try await connection.query("SELECT $1::text", ["a\u{0}b"])
        }
        #expect(error?.kind == .misuse)
        // At either end and deep in a long value too, named by its position; the values around it go through.
        let long = String(repeating: "record ✓ ", count: 10_000)
        for value in ["\u{0}", "\u{0}start", "end\u{0}", long + "\u{0}" + long] {
            let refused = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT $1::text, $2::text", ["fine", value])
            }
            #expect(refused?.message.contains("$2") == true)
        }
        let rows = try await connection.query("SELECT $1::text AS a, $2::text AS b", [long, ""])
        #expect(rows[0]["a"] == long)
        #expect(rows[0]["b"] == "")
    }

    @Test func connectionFailureIsClearAndHidesPassword() async throws {
        let url = "postgresql://alice:s3cr3t-pw@/nowhere?host=/nonexistent/tradu-socket&port=1"
        let error = await #expect(throws: PostgresError.self) { try await PostgresConnection.connect(url) }
        #expect(error?.kind == .connection)
        #expect(error?.isConnectionLoss == true)
        #expect(error?.message.contains("alice@/nonexistent/tradu-socket:1/nowhere") == true)
        #expect(error.map { "\($0)" }?.contains("s3cr3t-pw") == false)
    }

    @Test func closedConnectionIsMisuse() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        await connection.close()
        let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
        #expect(error?.kind == .misuse)
    }

    @Test(arguments: [
        ("postgresql://bob:hunter2@db.example:5432/app", "postgresql://bob:***@db.example:5432/app"),
        (
            "postgresql://db/app?user=bob&password=hunter2&sslmode=require",
            "postgresql://db/app?user=bob&password=***&sslmode=require"
        ),
        ("host=db password=hunter2 dbname=app", "host=db password=*** dbname=app"),
        ("host=db password='hun ter2' dbname=app", "host=db password=*** dbname=app"),
        ("postgresql://bob@db/app", "postgresql://bob@db/app"),
    ])
    func redactsPasswords(input: String, expected: String) {
        #expect(PostgresConnectionString.redacted(input) == expected)
    }

    @Test func quoting() throws {
        #expect(try PostgresQuoting.identifier("we\"ird") == "\"we\"\"ird\"")
        #expect(try PostgresQuoting.literal("it's") == "'it''s'")
        #expect(throws: PostgresError.self) { try PostgresQuoting.identifier("a\u{0}") }
    }
}

/// Log lines captured in memory, for asserting what a connection logged.
final class CapturedLog: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var severity: String?
    }

    private let storage = Mutex<[Line]>([])

    var lines: [Line] { storage.withLock { $0 } }

    func handler() -> Handler { Handler(log: self) }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let line = Line(
                level: event.level, message: "\(event.message)",
                severity: event.metadata?["pg_severity"].map { "\($0)" })
            log.storage.withLock { $0.append(line) }
        }
    }
}
