import Testing
import TraduPostgres
import TraduTestSupport

@Suite struct TransactionTests {
    private func connectionWithTable() async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await connection.execute("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)")
        return connection
    }

    private func count(_ connection: PostgresConnection) async throws -> Int? {
        try await connection.query("SELECT count(*) AS n FROM items")[0].int("n")
    }

    @Test func commitsAndReturnsValue() async throws {
        let connection = try await connectionWithTable()
        let inserted = try await connection.transaction { connection in
            try connection.query("INSERT INTO items VALUES (1, 'a'), (2, 'b')").affectedRows
        }
        #expect(inserted == 2)
        #expect(try await count(connection) == 2)
    }

    @Test func rollsBackOnThrow() async throws {
        struct Abort: Error {}
        let connection = try await connectionWithTable()
        await #expect(throws: Abort.self) {
            try await connection.transaction { connection in
                try connection.query("INSERT INTO items VALUES (1, 'a')")
                throw Abort()
            }
        }
        #expect(try await count(connection) == 0)
        // Not left inside a transaction.
        #expect(try await connection.query("SELECT pg_current_xact_id_if_assigned() AS x")[0]["x"] == nil)
    }

    @Test func rollsBackOnServerError() async throws {
        let connection = try await connectionWithTable()
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.query("INSERT INTO items VALUES (1, 'a')")
                try connection.query("INSERT INTO items VALUES (1, 'again')")
            }
        }
        #expect(error?.isUniqueViolation == true)
        #expect(try await count(connection) == 0)
    }

    @Test func swallowedErrorDoesNotCommitSilently() async throws {
        let connection = try await connectionWithTable()
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.query("INSERT INTO items VALUES (1, 'a')")
                _ = try? connection.query("SELECT 1/0")
            }
        }
        #expect(error?.sqlState == "25P02")
        #expect(try await count(connection) == 0)
    }

    @Test func nestedTransactionUsesSavepoint() async throws {
        struct Abort: Error {}
        let connection = try await connectionWithTable()
        try await connection.transaction { connection in
            try connection.query("INSERT INTO items VALUES (1, 'outer')")
            _ = try? connection.transaction { connection in
                try connection.query("INSERT INTO items VALUES (2, 'inner')")
                throw Abort()
            }
            try connection.transaction { connection in
                try connection.query("INSERT INTO items VALUES (3, 'inner kept')")
            }
        }
        let ids = try await connection.query("SELECT id FROM items ORDER BY id").map { $0["id"] }
        #expect(ids == ["1", "3"])
    }

    @Test func serializableIsolation() async throws {
        let connection = try await connectionWithTable()
        let level = try await connection.transaction(isolation: .serializable) { connection in
            try connection.query("SHOW transaction_isolation")[0]["transaction_isolation"]
        }
        #expect(level == "serializable")
    }

    /// A transaction's own settings hold inside it, after the connection's, and are gone at its end: the next
    /// transaction and a statement outside one see the server's values again.
    @Test func settingsHoldForTheirTransactionOnly() async throws {
        let connection = try await connectionWithTable()
        try await connection.setForEveryTransaction("enable_hashjoin", to: "off")
        let seen = try await connection.transaction(
            settings: [PostgresSetting("enable_seqscan", "off"), PostgresSetting("work_mem", "'2MB'")]
        ) { connection in
            try connection.query(
                """
                SELECT current_setting('enable_seqscan') AS seqscan, current_setting('work_mem') AS mem,
                       current_setting('enable_hashjoin') AS hashjoin
                """)[0]
        }
        #expect(seen["seqscan"] == "off")
        #expect(seen["mem"] == "2MB")
        #expect(seen["hashjoin"] == "off", "the connection's own settings hold too")
        let after = try await connection.transaction { connection in
            try connection.query("SELECT current_setting('enable_seqscan') AS seqscan")[0]["seqscan"]
        }
        #expect(after == "on")
        #expect(try await connection.query("SELECT current_setting('work_mem') AS mem")[0]["mem"] == "4MB")
    }

    /// A nested transaction runs inside its outer transaction's settings: asking for its own is a mistake, refused
    /// before anything runs, and the outer transaction rolls back with it.
    @Test func aNestedTransactionCannotTakeSettingsOfItsOwn() async throws {
        let connection = try await connectionWithTable()
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { connection in
                try connection.query("INSERT INTO items VALUES (1, 'a')")
                try connection.transaction(settings: [PostgresSetting("enable_seqscan", "off")]) { connection in
                    try connection.query("INSERT INTO items VALUES (2, 'b')")
                }
            }
        }
        #expect(error?.kind == .misuse)
        #expect(try await count(connection) == 0)
    }
}
