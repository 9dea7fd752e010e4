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
                "block_contents", "block_event_chunks", "block_events", "blocks", "commit_marks", "content_blocks",
                "controller_lease",
                "dataset_cuts",
                "document_index",
                "environment_lock",
                "environment_state", "erased_documents",
                "freight_verdicts", "instances", "operator_actions", "pipeline_pauses", "pipeline_status", "pipelines",
                "promotions", "provider_batch_requests", "provider_batches", "results", "revisions", "rollout_analyses",
                "rollout_blocks", "rollout_events",
                "rollouts",
                "schema_migrations", "sink_deliveries", "spend", "translation_memory",
            ])
    }

    /// Migration 7 gives every stored result a version: a completed block's result is its spec's, and current; the
    /// result kept by a block being reprocessed was made under a spec no longer known (`pre-versioning`), and stays
    /// current until the block completes again. Webhook deliveries take the version of the block's current result.
    @Test func resultsOfAnEarlierSchemaBecomeVersionsAndStayCurrent() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let connection = try await PostgresConnection.connect(url)
        let schema = try EnvironmentSchema(environment: "dev")
        try await Migrator(connection: connection, migrations: StoreMigrations.all.filter { $0.version <= 6 })
            .migrate(environmentSchema: schema)
        try await connection.execute(
            """
            SET search_path TO tradu_dev;
            INSERT INTO block_contents (hash, dataset, record_count, byte_count, records) VALUES ('h', 'd', 1, 1, 'x');
            INSERT INTO blocks (id, pipeline, block_hash, target_language, ordinal, spec_hash, state, revision, attempt)
            VALUES ('done', 'p', 'h', 'fr', 0, 'spec-b', 'completed', 1, 1),
                   ('again', 'p', 'h', 'de', 1, 'spec-b', 'created', 2, 1);
            INSERT INTO results (block_id, pipeline, target_language, attempt, instance_id, records)
            VALUES ('done', 'p', 'fr', 1, 'w', 'fr result'), ('again', 'p', 'de', 1, 'w', 'de result under spec-a');
            INSERT INTO sink_deliveries (block_id, sink, attempt, state) VALUES ('done', 'hook', 1, 'delivered');
            """)
        try await Migrator(connection: connection).migrate(environmentSchema: schema)
        let rows = try await connection.query(
            """
            SELECT b.id, b.result_spec, r.spec_hash, r.records FROM tradu_dev.blocks b
            JOIN tradu_dev.results r ON r.block_id = b.id AND r.spec_hash = b.result_spec ORDER BY b.id
            """)
        #expect(rows.map { $0["id"] } == ["again", "done"])
        #expect(rows.map { $0["spec_hash"] } == ["pre-versioning", "spec-b"])
        #expect(rows.map { $0["records"] } == ["de result under spec-a", "fr result"])
        let delivery = try await connection.query("SELECT spec_hash FROM tradu_dev.sink_deliveries")
        #expect(delivery.map { $0["spec_hash"] } == ["spec-b"])
        let store = try await Store.open(url: url, environment: "dev")
        #expect(try await store.results().map(\.records) == ["de result under spec-a", "fr result"])
        await store.close()
    }

    /// Migration 17: blocks stored before it are found by their content afterwards; a block a previous release
    /// inserts (plainly, knowing nothing of `content_blocks`) is found too; and a content that a block is on can
    /// not be deleted, so a prune racing an apply fails rather than leave a block without its records.
    @Test func aContentsBlocksAreFoundWhoeverAddedThemAndTheContentCannotGoFromUnderThem() async throws {
        // Content hashes as apply writes them (32 hex digits: the document index stores them as uuids).
        let one = String(repeating: "1", count: 32)
        let two = String(repeating: "2", count: 32)
        let three = String(repeating: "3", count: 32)
        let url = try await TestPostgres.shared.freshDatabase()
        let connection = try await PostgresConnection.connect(url)
        let schema = try EnvironmentSchema(environment: "dev")
        try await Migrator(connection: connection, migrations: StoreMigrations.all.filter { $0.version <= 16 })
            .migrate(environmentSchema: schema)
        try await connection.execute(
            """
            SET search_path TO tradu_dev;
            INSERT INTO block_contents (hash, dataset, record_count, byte_count, records)
            VALUES ('\(one)', 'd', 1, 1, 'x'), ('\(two)', 'd', 1, 1, 'y'), ('\(three)', 'd', 1, 1, 'z');
            INSERT INTO blocks (id, pipeline, block_hash, target_language, ordinal, spec_hash, state, revision)
            VALUES ('before-fr', 'p', '\(one)', 'fr', 0, 's', 'completed', 1), ('before-de', 'p', '\(one)', 'de', 0, 's',
                    'created', 1);
            """)
        try await Migrator(connection: connection).migrate(environmentSchema: schema)
        try await connection.execute(
            """
            INSERT INTO tradu_dev.blocks (id, pipeline, block_hash, target_language, ordinal, spec_hash, revision)
            VALUES ('after-fr', 'p', '\(two)', 'fr', 1, 's', 2), ('after-de', 'p', '\(two)', 'de', 1, 's', 2);
            """)
        let indexes = try await connection.query(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'tradu_dev' AND tablename = 'blocks' ORDER BY 1")
        #expect(!indexes.map { $0["indexname"] }.contains("blocks_content"))
        let store = try await Store.open(url: url, environment: "dev")
        let found = try await store.blocks(onContents: [one, two, three])
        #expect(found.map(\.block.id).sorted() == ["after-de", "after-fr", "before-de", "before-fr"])
        #expect(found.first { $0.block.id == "after-fr" }?.content == two)
        let refused = await #expect(throws: PostgresError.self) {
            try await connection.query("DELETE FROM tradu_dev.block_contents WHERE hash = '\(two)'")
        }
        #expect(refused?.isForeignKeyViolation == true)
        // Pruning takes the content no block is on, and only it, with a row a previous release left behind when
        // it deleted that content's block.
        try await connection.query(
            "INSERT INTO tradu_dev.content_blocks (block_hash, block_id) VALUES ($1, 'deleted-by-an-older-release')",
            [three])
        let pruned = try await store.pruneUnreferencedContents(after: nil, limit: 10)
        #expect(pruned.deleted == 1)
        let left = try await connection.query("SELECT hash FROM tradu_dev.block_contents ORDER BY 1")
        #expect(left.map { $0["hash"] } == [one, two])
        let mappedLeft = try await connection.query("SELECT count(*) AS n FROM tradu_dev.content_blocks")
        #expect(mappedLeft.first?["n"] == "4")
        await store.close()
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

    /// Rolling updates: a newer release migrated the schema while pods of this one still run. Expand migrations
    /// only: this build keeps working (it applies nothing and reads and writes as before). A contract migration,
    /// or an unknown version older than the newest this build knows: it refuses to start.
    @Test func theReleaseBeforeRunsOnASchemaExtendedByExpandMigrationsOnly() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let newer =
            StoreMigrations.all + [
                Migration(
                    version: 1000, name: "a newer release's table",
                    sql: "CREATE TABLE newer_things (id bigint PRIMARY KEY); ALTER TABLE blocks ADD COLUMN hint text",
                    compatibility: .expand)
            ]
        let migrated = try await Store.open(url: url, environment: "dev", migrations: newer)
        await migrated.close()
        // This build (which knows up to StoreMigrations.latestVersion) opens the newer schema and works on it.
        let store = try await Store.open(url: url, environment: "dev")
        #expect(try await store.pipelines().isEmpty)
        try await store.registerInstance(
            InstanceInfo(id: "w", role: "worker", host: "h", pid: 1, version: "old", concurrency: 1))
        await store.close()

        let contract =
            newer + [
                Migration(
                    version: 1001, name: "drops what the release before reads",
                    sql: "ALTER TABLE blocks DROP COLUMN hint")
            ]
        let dropped = try await Store.open(url: url, environment: "dev", migrations: contract)
        await dropped.close()
        let error = await #expect(throws: StoreError.self) { try await Store.open(url: url, environment: "dev") }
        #expect(
            error
                == .databaseNewerThanCode(
                    schema: "tradu_dev", unknownVersions: [1000, 1001],
                    newestKnownVersion: StoreMigrations.latestVersion))
        // The newer release itself runs on its own schema, of course.
        let newest = try await Store.open(url: url, environment: "dev", migrations: contract)
        await newest.close()
    }

    /// The rule for expand migrations (`Migration.Compatibility`), applied to the SQL of every migration declared
    /// `expand`; the contract migration 7 breaks it, which shows the check can fail.
    @Test func everyExpandMigrationOnlyAdds() {
        for migration in StoreMigrations.all where migration.compatibility == .expand {
            let breaches = Self.breaches(migration.sql).filter { !(Self.allowed[migration.version] ?? []).contains($0) }
            #expect(breaches.isEmpty, "migration \(migration.version): \(breaches)")
        }
        #expect(!Self.breaches(StoreMigrations.rollouts.sql).isEmpty)
        #expect(StoreMigrations.rollouts.compatibility == .contract)
        #expect(
            Self.breaches("ALTER TABLE t ADD COLUMN c int NOT NULL") == ["ADD COLUMN C INT NOT NULL (no default)"])
        #expect(Self.breaches("ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0, ADD COLUMN d text").isEmpty)
    }

    /// Breaches an expand migration makes knowingly, each with its reason in the migration's documentation, and
    /// shown harmless by `RollingUpgradeTests` running the previous release's binary on the new schema.
    static let allowed: [Int: Set<String>] = [
        // Migration 17 moves the foreign key from a block to its content onto `content_blocks`, which the
        // previous release's inserts into `blocks` fill through a trigger: the reference is still checked.
        17: ["DROP CONSTRAINT"],
        // Migration 18 drops the foreign key from a result to its block: a check no build relies on failing
        // (results are written only by the completion, for the blocks it updated in the same statement).
        18: ["DROP CONSTRAINT"],
        // Migration 20 gives indexed text columns the C collation: the type stays text, and for tradu's keys and
        // names no comparison, join or order changes (`ByteOrderKeysTests`; the previous release runs on it).
        20: ["ALTER COLUMN TYPE"],
    ]

    /// What an expand migration may not do: drop or rename, change a type, make an existing column NOT NULL,
    /// drop a constraint, add a NOT NULL column without a default.
    static func breaches(_ sql: String) -> [String] {
        let text = sql.uppercased().split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        var found: [String] = []
        for forbidden in [
            "DROP TABLE", "DROP COLUMN", "RENAME", "DROP CONSTRAINT", "SET NOT NULL", "SET DATA TYPE", "TRUNCATE",
            "DELETE FROM", "DROP SCHEMA",
        ] where text.contains(forbidden) {
            found.append(forbidden)
        }
        if text.range(of: #"ALTER COLUMN \S+ TYPE"#, options: .regularExpression) != nil {
            found.append("ALTER COLUMN TYPE")
        }
        for clause in text.components(separatedBy: "ADD COLUMN").dropFirst() {
            let column =
                "ADD COLUMN" + (clause.split(separator: ",").first.map(String.init) ?? clause)
                .split(separator: ";").first.map(String.init)!
            if column.contains("NOT NULL"), !column.contains("DEFAULT") {
                found.append(column.trimmingCharacters(in: .whitespaces) + " (no default)")
            }
        }
        return found
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
