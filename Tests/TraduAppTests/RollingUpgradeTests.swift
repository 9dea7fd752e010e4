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
            let up = try await CommandLineTests.run(
                ["up", "-e", "dev"], in: project.root, database: project.databaseURL)
            #expect(up.status == 0, "\(up.stderr)")
            #expect(try await project.counts() == ["completed": 6])
            let columns = try await project.query(
                "SELECT count(*) AS n FROM results WHERE reviewed = false")
            #expect(columns.first?["n"] == "6", "the next release's column took its default on this build's rows")
        }

        /// The previous release's own binary (`.ci/build-previous-release`: the commit before the newest migration
        /// was added) runs a controller and a worker on the schema this build migrated, to the end of the job,
        /// and its `status` reads it. `.ci/run` builds it and requires this test; a local `swift test` without it
        /// skips only this test. Played on the server's C database and on one whose default collation is ICU's
        /// `en-US` (as managed services create theirs), where migration 20 changes the keys' collation.
        @Test(.enabled(if: PreviousRelease.wanted), arguments: [nil, "en-US"] as [String?])
        func thePreviousReleasesBinaryRunsAWholeJobOnThisSchema(icuLocale: String?) async throws {
            let previous = try #require(
                PreviousRelease.binary, "build it with `bash .ci/build-previous-release` (TRADU_PREVIOUS_BINARY)")
            let database = try await TestPostgres.shared.freshDatabase(icuLocale: icuLocale)
            let project = try await TestProject.runtime(documents: 12, maxRecords: 2, database: database)
            try await project.apply()  // this build: migrates the schema to the newest version
            let version = try await project.query("SELECT max(version)::text AS v FROM schema_migrations")
            #expect(version.first?["v"] == String(StoreMigrations.latestVersion))
            let controller = try TraduProcess(["controller", "-e", "dev"], in: project, executable: previous)
            let worker = try TraduProcess(["worker", "-e", "dev"], in: project, executable: previous)
            do {
                try await eventually("the previous release completes every block", upTo: .seconds(90)) {
                    (try? await project.counts()) == ["completed": 6]
                }
            } catch {
                Issue.record("controller: \(controller.logDigest)\nworker: \(worker.logDigest)")
                controller.kill9()
                worker.kill9()
                throw error
            }
            worker.terminate()
            controller.terminate()
            #expect(await worker.wait() == 0, "\(worker.logDigest)")
            #expect(await controller.wait() == 0, "\(controller.logDigest)")
            let status = try await CommandLineTests.execute(
                previous, ["status", "-e", "dev", "--database-url", project.databaseURL], in: project.root,
                environment: ProcessInfo.processInfo.environment)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("6/6"), "\(status.stdout)")
            // This build traces each block's whole path: its `created` event, which this build's apply wrote, and
            // the runtime's, which the previous release wrote.
            let ids = try await project.query("SELECT id FROM blocks ORDER BY id").compactMap { $0["id"] ?? nil }
            #expect(ids.count == 6)
            for id in ids {
                let trace = try await CommandLineTests.run(
                    ["trace", id, "-e", "dev", "-o", "json"], in: project.root, database: project.databaseURL)
                #expect(trace.status == 0, "\(trace.stderr)")
                let steps = trace.stdout.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["to"] as? String
                }
                #expect(steps == ["created", "enqueued", "in_process", "completed"], "\(id): \(trace.stdout)")
            }
        }

        /// The other half of a rollback: this build runs a job, its hot transitions writing their events as chunks
        /// (migration 27), and the previous release (`.ci/previous-release`: the one that learned to read them) shows
        /// every block's whole path in `trace`, and the job in `status`. Against a release that reads only rows,
        /// each trace would stop at `created`.
        @Test(.enabled(if: PreviousRelease.wanted))
        func thePreviousReleaseReadsTheEventsThisBuildWrites() async throws {
            let previous = try #require(
                PreviousRelease.binary, "build it with `bash .ci/build-previous-release` (TRADU_PREVIOUS_BINARY)")
            let project = try await TestProject.runtime(documents: 12, maxRecords: 2)
            let up = try await CommandLineTests.run(
                ["up", "-e", "dev"], in: project.root, database: project.databaseURL)
            #expect(up.status == 0, "\(up.stderr)")
            let chunked = try await project.query(
                "SELECT coalesce(sum(cardinality(ids)), 0)::text AS n FROM block_event_chunks")
            #expect(chunked.first?["n"] == "18", "enqueued, in process and completed, for each of 6 blocks")
            let environment = ProcessInfo.processInfo.environment
            let ids = try await project.query("SELECT id FROM blocks ORDER BY id").compactMap { $0["id"] ?? nil }
            #expect(ids.count == 6)
            for id in ids {
                let trace = try await CommandLineTests.execute(
                    previous, ["trace", id, "-e", "dev", "-o", "json", "--database-url", project.databaseURL],
                    in: project.root, environment: environment)
                #expect(trace.status == 0, "\(trace.stderr)")
                let steps = trace.stdout.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["to"] as? String
                }
                #expect(steps == ["created", "enqueued", "in_process", "completed"], "\(id): \(trace.stdout)")
            }
            let status = try await CommandLineTests.execute(
                previous, ["status", "-e", "dev", "--database-url", project.databaseURL], in: project.root,
                environment: environment)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("6/6"), "\(status.stdout)")
        }

        /// This build on a database whose default collation is linguistic (ICU's `en-US`): a whole job, `status`,
        /// `trace` by an id's prefix and `export` run with the keys in byte order and the other columns in the
        /// database's collation, which any statement mixing the two must resolve.
        @Test func aWholeJobRunsOnADatabaseWithALinguisticCollation() async throws {
            let database = try await TestPostgres.shared.freshDatabase(icuLocale: "en-US")
            let project = try await TestProject.runtime(documents: 12, maxRecords: 2, database: database)
            let up = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: database)
            #expect(up.status == 0, "\(up.stderr)")
            #expect(try await project.counts() == ["completed": 6])
            let collation = try await project.query(
                "SELECT collation_name FROM information_schema.columns"
                    + " WHERE table_schema = 'tradu_dev' AND table_name = 'blocks' AND column_name = 'id'")
            #expect(collation.first?["collation_name"] == "C")
            let id = try #require(try await project.query("SELECT min(id) AS id FROM blocks").first?["id"] ?? nil)
            let trace = try await CommandLineTests.run(
                ["trace", String(id.prefix(10)), "-e", "dev", "-o", "json"], in: project.root, database: database)
            #expect(trace.status == 0, "\(trace.stderr)")
            #expect(trace.stdout.contains(id), "\(trace.stdout)")
            let status = try await CommandLineTests.run(["status", "-e", "dev"], in: project.root, database: database)
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("6/6"), "\(status.stdout)")
            let exported = try await CommandLineTests.run(
                ["export", "-e", "dev", "--to", project.root + "/exported"], in: project.root, database: database)
            #expect(exported.status == 0, "\(exported.stderr)")
        }

        @Test func aContractMigrationStopsTheReleaseBefore() async throws {
            let project = try await TestProject.runtime(documents: 4, maxRecords: 2)
            var contract = Self.next
            contract.sql += "ALTER TABLE blocks DROP COLUMN priority;"
            contract.compatibility = .contract
            let store = try await Store.open(
                url: project.databaseURL, environment: "dev", migrations: StoreMigrations.all + [contract])
            await store.close()
            let up = try await CommandLineTests.run(
                ["up", "-e", "dev"], in: project.root, database: project.databaseURL)
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

/// The previous release's `tradu` binary, for the N-1 test: `TRADU_PREVIOUS_BINARY`, as `.ci/run` sets it.
enum PreviousRelease {
    static var binary: String? {
        guard let path = ProcessInfo.processInfo.environment["TRADU_PREVIOUS_BINARY"],
            FileManager.default.isExecutableFile(atPath: path)
        else { return nil }
        return path
    }

    /// Run the test when the binary is there, and whenever `.ci/run` requires it (then a missing binary fails it).
    static var wanted: Bool {
        binary != nil || ProcessInfo.processInfo.environment["TRADU_REQUIRE_PREVIOUS_RELEASE"] == "1"
    }
}
