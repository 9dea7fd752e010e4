import Foundation
import Testing
import TraduPostgres
import TraduStore
import TraduTestSupport

/// A rolling update, played with real processes: the next release has migrated the environment's schema, and this
/// build (the release before it, as far as that schema is concerned) still runs whole jobs on it when the next
/// release's migrations are expand-only, and refuses to start on a contract one.
extension ProcessHeavyTests {
    @Suite struct RollingUpgradeTests {
        /// What a next release might add: a table, a nullable column, a column with a default, an index.
        static let next = Migration(
            version: StoreMigrations.latestVersion + 1, name: "the next release's additions",
            sql: """
                CREATE TABLE block_notes (block_id text PRIMARY KEY, note text NOT NULL);
                ALTER TABLE blocks ADD COLUMN hint text;
                ALTER TABLE results ADD COLUMN reviewed boolean NOT NULL DEFAULT false;
                CREATE INDEX results_reviewed ON results (reviewed) WHERE reviewed;
                """, compatibility: .expand)

        @Test func theReleaseBeforeRunsAWholeJobOnTheNextReleasesSchema() async throws {
            let project = try await TestProject.runtime(documents: 12, maxRecords: 2)
            let store = try await Store.open(
                url: project.databaseURL, environment: "dev", migrations: StoreMigrations.all + [Self.next])
            await store.close()
            let up = try CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
            #expect(up.status == 0, "\(up.stderr)")
            #expect(try await project.counts() == ["completed": 6])
            let columns = try await project.query(
                "SELECT count(*) AS n FROM results WHERE reviewed = false")
            #expect(columns.first?["n"] == "6", "the next release's column took its default on this build's rows")
        }

        @Test func aContractMigrationStopsTheReleaseBefore() async throws {
            let project = try await TestProject.runtime(documents: 4, maxRecords: 2)
            var contract = Self.next
            contract.sql += "ALTER TABLE blocks DROP COLUMN priority;"
            contract.compatibility = .contract
            let store = try await Store.open(
                url: project.databaseURL, environment: "dev", migrations: StoreMigrations.all + [contract])
            await store.close()
            let up = try CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
            #expect(up.status != 0)
            #expect(up.stderr.contains("\(contract.version)"), "\(up.stderr)")
            // Read without a store (a store of this build refuses the schema too): nothing was applied.
            let connection = try await PostgresConnection.connect(project.databaseURL)
            let blocks = try await connection.query("SELECT count(*) AS n FROM tradu_dev.blocks")
            await connection.close()
            #expect(blocks.first?["n"] == "0", "nothing was applied")
        }
    }
}
