import Foundation
import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

@Suite struct MigrationTests {
    @Test func migrateIsIdempotent() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let migrator = Migrator(connection: connection)
        let schema = try EnvironmentSchema(environment: "dev")

        let before = try await migrator.status(environmentSchema: schema)
        #expect(before.schemaExists == false)
        let all = StoreMigrations.all.map(\.version)
        #expect(before.pending.map(\.version) == all)

        #expect(try await migrator.migrate(environmentSchema: schema).map(\.version) == all)
        #expect(try await migrator.migrate(environmentSchema: schema).isEmpty)

        let after = try await migrator.status(environmentSchema: schema)
        #expect(after.isUpToDate)
        #expect(after.currentVersion == StoreMigrations.latestVersion)
        #expect(after.applied.map(\.name) == StoreMigrations.all.map(\.name))

        let state = try await connection.query("SELECT lineage, serial FROM tradu_dev.environment_state")
        #expect(state.count == 1)
        #expect(state[0]["lineage"]?.count == 36)
        #expect(state[0]["serial"] == "0")
        let tables = try await connection.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tradu_dev' ORDER BY 1")
        #expect(
            tables.map { $0["table_name"] } == [
                "block_contents", "block_events", "blocks", "controller_lease", "environment_lock", "environment_state",
                "freight_verdicts", "instances", "pipeline_status", "pipelines", "promotions", "results", "revisions",
                "schema_migrations", "sink_deliveries", "translation_memory",
            ])
    }

    @Test func environmentsAreIsolated() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let dev = try await Store.open(url: url, environment: "dev")
        let staging = try await Store.open(url: url, environment: "staging")
        #expect(dev.schema.name == "tradu_dev")
        #expect(staging.schema.name == "tradu_staging")

        try await dev.connection.query(
            """
            INSERT INTO revisions (number, manifest_digest, manifests, applied_by)
            VALUES (1, 'sha256:abc', '{}'::jsonb, $1)
            """, ["tester"])
        #expect(try await dev.connection.query("SELECT count(*) AS n FROM revisions")[0].int("n") == 1)
        #expect(try await staging.connection.query("SELECT count(*) AS n FROM revisions")[0].int("n") == 0)

        let devLineage = try await dev.connection.query("SELECT lineage FROM environment_state")[0]["lineage"]
        let stagingLineage = try await staging.connection.query("SELECT lineage FROM environment_state")[0]["lineage"]
        #expect(devLineage != stagingLineage)
    }

    @Test func searchPathSurvivesReconnect() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let store = try await Store.open(url: url, environment: "prod-eu")
        let other = try await PostgresConnection.connect(url)
        let pid = try await store.connection.postgres.backendPID
        try await other.query("SELECT pg_terminate_backend($1::int, 5000)", [String(pid)])
        _ = try? await store.connection.query("SELECT 1")
        #expect(try await store.connection.query("SELECT current_schema() AS s")[0]["s"] == "tradu_prod_eu")
    }

    @Test func concurrentMigrationsAreSerialised() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        // A slow migration widens the window in which the migrators would collide without the lock.
        let migrations = [
            StoreMigrations.foundation,
            Migration(version: 2, name: "slow", sql: "SELECT pg_sleep(0.2); CREATE TABLE slow (id int PRIMARY KEY)"),
            Migration(version: 3, name: "after", sql: "INSERT INTO slow VALUES (1)"),
        ]
        let schema = try EnvironmentSchema(environment: "race")
        var connections: [PostgresConnection] = []
        for _ in 0..<4 {
            connections.append(try await PostgresConnection.connect(url))
        }
        let appliedCounts = try await withThrowingTaskGroup(of: [Int].self) { group in
            for connection in connections {
                group.addTask {
                    try await Migrator(connection: connection, migrations: migrations)
                        .migrate(environmentSchema: schema).map(\.version)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(appliedCounts.flatMap { $0 }.sorted() == [1, 2, 3])
        let rows = try await connections[0].query("SELECT version FROM tradu_race.schema_migrations ORDER BY 1")
        #expect(rows.map { $0["version"] } == ["1", "2", "3"])
        #expect(try await connections[0].query("SELECT count(*) AS n FROM tradu_race.slow")[0].int("n") == 1)
    }

    @Test func refusesSchemaNewerThanCode() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let schema = try EnvironmentSchema(environment: "dev")
        let migrator = Migrator(connection: connection)
        try await migrator.migrate(environmentSchema: schema)
        try await connection.query(
            "INSERT INTO tradu_dev.schema_migrations (version, name) VALUES ($1, 'from the future')", ["999"])

        let error = await #expect(throws: StoreError.self) { try await migrator.migrate(environmentSchema: schema) }
        #expect(
            error
                == .databaseNewerThanCode(
                    schema: "tradu_dev", unknownVersions: [999], newestKnownVersion: StoreMigrations.latestVersion))
        #expect(error.map { "\($0)" }?.contains("upgrade tradu") == true)
        let status = try await migrator.status(environmentSchema: schema)
        #expect(status.unknownVersions == [999])
        #expect(!status.isUpToDate)
    }

    @Test func failedMigrationLeavesNothingBehind() async throws {
        let connection = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        let schema = try EnvironmentSchema(environment: "dev")
        let broken = [
            StoreMigrations.foundation,
            Migration(version: 2, name: "broken", sql: "CREATE TABLE half (id int); SELEC oops"),
        ]
        await #expect(throws: PostgresError.self) {
            try await Migrator(connection: connection, migrations: broken).migrate(environmentSchema: schema)
        }
        let status = try await Migrator(connection: connection, migrations: broken).status(environmentSchema: schema)
        #expect(status.applied.map(\.version) == [1])
        #expect(try await connection.query("SELECT to_regclass('tradu_dev.half') AS t")[0]["t"] == nil)
    }

    @Test(arguments: ["dev", "staging", "prod", "prod-eu-1", "1st"])
    func validEnvironmentNames(name: String) throws {
        let schema = try EnvironmentSchema(environment: name)
        #expect(schema.name == "tradu_" + name.replacingOccurrences(of: "-", with: "_"))
    }

    @Test(arguments: ["", "Dev", "-dev", "dev-", "dev_x", "dév", "a\"b", String(repeating: "a", count: 58)])
    func invalidEnvironmentNames(name: String) {
        #expect(throws: StoreError.self) { try EnvironmentSchema(environment: name) }
    }

    @Test func explicitSchemaNames() throws {
        #expect(try EnvironmentSchema(name: "custom_schema").quoted == "\"custom_schema\"")
        #expect(throws: StoreError.self) { try EnvironmentSchema(name: "pg_temp") }
        #expect(throws: StoreError.self) { try EnvironmentSchema(name: "Upper") }
        #expect(throws: StoreError.self) { try EnvironmentSchema(name: "x;drop") }
    }
}
