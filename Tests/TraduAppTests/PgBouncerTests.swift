import Foundation
import Testing
import TraduStore
import TraduTestSupport

extension ProcessHeavyTests {
    /// tradu behind a real PgBouncer in transaction mode (`.ci/run` installs Debian's `pgbouncer`).
    @Suite(.serialized) struct PgBouncerTests {
        /// Two environments (two schemas) planned, applied and run at once, every process of both through one
        /// PgBouncer whose pool holds two server sessions, so consecutive transactions of one environment run on
        /// sessions the other just used. Each environment completes every block once, and no row is in the wrong
        /// schema: each schema's instances are exactly its own processes, and every event, lease and result there
        /// names one of them.
        @Test func twoEnvironmentsThroughOnePoolCompleteAndNeverWriteIntoEachOther() async throws {
            let project = try await TestProject.runtime(documents: 30, maxRecords: 1, sleep: 0.02)
            let manifest = "\(project.manifests)/project.yaml"
            let text = try String(contentsOfFile: manifest, encoding: .utf8)
            try (text + "---\napiVersion: tradu/v1\nkind: Environment\nmetadata: {name: staging}\nspec: {}\n")
                .write(toFile: manifest, atomically: true, encoding: .utf8)
            let name = try #require(URLComponents(string: project.databaseURL)?.path.dropFirst()).description
            let bouncer = try await TestPgBouncer(serverURL: project.databaseURL, poolSize: 2)
            defer { bouncer.stop() }
            let pooled = TestProject(root: project.root, databaseURL: bouncer.url(database: name))

            // Both plans written at once through the pool (COPY, temporary tables, the upsert).
            async let appliedDev = pooled.apply("dev")
            async let appliedStaging = pooled.apply("staging")
            _ = try await (appliedDev, appliedStaging)

            let environment = ["TRADU_DATABASE_POOL_MODE": "transaction"]
            func start(_ arguments: [String]) throws -> TraduProcess {
                try TraduProcess(arguments, in: project, environment: environment, databaseURL: pooled.databaseURL)
            }
            let dev = [
                try start(["controller", "-e", "dev"]), try start(["worker", "-e", "dev", "--concurrency", "2"]),
                try start(["worker", "-e", "dev", "--concurrency", "2"]),
            ]
            let staging = [
                try start(["controller", "-e", "staging"]),
                try start(["worker", "-e", "staging", "--concurrency", "2"]),
            ]
            func states(_ schema: String) async throws -> [String: String] {
                let rows = try await project.query("SELECT state, count(*)::text AS n FROM \(schema).blocks GROUP BY 1")
                return Dictionary(uniqueKeysWithValues: rows.map { ($0["state"]!!, $0["n"]!!) })
            }
            do {
                try await eventually("both environments complete through PgBouncer", upTo: .seconds(120)) {
                    let devStates = try? await states("tradu_dev")
                    let stagingStates = try? await states("tradu_staging")
                    return devStates == ["completed": "30"] && stagingStates == ["completed": "30"]
                }
            } catch {
                for process in dev + staging {
                    Issue.record("\(process.logDigest)")
                    process.kill9()
                }
                throw error
            }
            for process in dev + staging { process.terminate() }
            for process in dev + staging { #expect(await process.wait() == 0, "\(process.logDigest)") }

            for (schema, processes) in [("tradu_dev", dev), ("tradu_staging", staging)] {
                let pids = try await project.query("SELECT pid::text AS pid FROM \(schema).instances")
                    .compactMap { $0["pid"] ?? nil }
                #expect(
                    Set(pids) == Set(processes.map { String($0.pid) }),
                    "\(schema) holds exactly its own processes' instances")
                let strangers = try await project.query(
                    """
                    SELECT
                        (SELECT count(*) FROM \(EventLogSQL.everyEvent(schema: schema)) e
                          WHERE e.instance_id IS NOT NULL
                            AND e.instance_id NOT IN (SELECT id FROM \(schema).instances)) AS events,
                        (SELECT count(*) FROM \(schema).results r
                          WHERE r.instance_id NOT IN (SELECT id FROM \(schema).instances)) AS foreign_results,
                        (SELECT count(*) FROM \(schema).results) AS results,
                        (SELECT count(DISTINCT block_id) FROM \(schema).results r
                          WHERE r.block_id IN (SELECT id FROM \(schema).blocks)) AS own_results
                    """)
                #expect(strangers[0]["events"]!! == "0", "\(schema): events name only its own instances")
                #expect(strangers[0]["foreign_results"]!! == "0", "\(schema): results name only its own workers")
                #expect(
                    strangers[0]["results"]!! == "30" && strangers[0]["own_results"]!! == "30",
                    "\(schema): one result per block, each for one of its own blocks")
            }
            for process in dev + staging {
                #expect(!process.log.contains("does not exist"), "\(process.logDigest)")
            }
        }
    }
}
