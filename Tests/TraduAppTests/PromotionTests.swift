import Foundation
import Logging
import Testing
import TraduApp
import TraduTestSupport

@testable import TraduStore

/// `tradu promote` end to end: real `tradu` processes against a real PostgreSQL, staging and prod as two schemas
/// of one database, a local `command` engine. Every refusal exits 3, names its cause, and changes nothing in prod
/// but its own `Refused` record.
extension ProcessHeavyTests {
    @Suite(.serialized) struct PromotionTests {
        /// A project with staging (applied directly) and prod (promoted from staging through `promotion`).
        struct Project {
            let root: String
            let database: String
            /// Staging's own database (`databaseFrom: {env: STAGING_DATABASE_URL}`), when it has one.
            var stagingDatabase: String?

            static func make(
                promotion: String = "{from: staging}", prodOverrides: String = "[]", stagingOwnDatabase: Bool = false
            ) async throws -> Project {
                let root = TestPostgres.makeTemporaryDirectory()
                var project = Project(root: root, database: try await TestPostgres.shared.freshDatabase())
                if stagingOwnDatabase { project.stagingDatabase = try await TestPostgres.shared.freshDatabase() }
                try FileManager.default.createDirectory(
                    atPath: root + "/manifests/data", withIntermediateDirectories: true)
                try project.writeDocuments(count: 30)
                try project.writeManifests(promotion: promotion, prodOverrides: prodOverrides)
                return project
            }

            func writeDocuments(count: Int, edit: String? = nil) throws {
                var text = ""
                for index in 0..<count {
                    let body =
                        index == 0 && edit != nil ? edit! : "Article \(index) explains the {product} settings page."
                    text += "{\"id\":\"a-\(index)\",\"text\":\"\(body)\"}\n"
                }
                try text.write(toFile: root + "/manifests/data/articles.jsonl", atomically: true, encoding: .utf8)
            }

            func writeManifests(promotion: String, prodOverrides: String = "[]", prompt: String = "Translate.") throws {
                let stagingSpec = stagingDatabase == nil ? "{}" : "{databaseFrom: {env: STAGING_DATABASE_URL}}"
                let text = """
                    apiVersion: tradu/v1
                    kind: Environment
                    metadata: {name: staging}
                    spec: \(stagingSpec)
                    ---
                    apiVersion: tradu/v1
                    kind: Environment
                    metadata: {name: prod}
                    spec:
                      promotion: \(promotion)
                      overrides: \(prodOverrides)
                    ---
                    apiVersion: tradu/v1
                    kind: Dataset
                    metadata: {name: articles}
                    spec:
                      source: {path: data/articles.jsonl}
                      format: jsonl
                      sourceLanguage: en
                      blocks: {maxRecords: 5}
                    ---
                    apiVersion: tradu/v1
                    kind: Engine
                    metadata: {name: local}
                    spec: {type: command, command: ["\(TestProject.python)", "\(TestProject.slowTranslator)"], prompt: "\(prompt)"}
                    ---
                    apiVersion: tradu/v1
                    kind: Pipeline
                    metadata: {name: help}
                    spec: {dataset: articles, engine: local, targetLanguages: [fr, de]}

                    """
                try text.write(toFile: root + "/manifests/project.yaml", atomically: true, encoding: .utf8)
            }

            @discardableResult
            func tradu(_ arguments: [String], actor: String = "ci") async throws -> CommandLineTests.Run {
                try await CommandLineTests.run(
                    arguments, in: root, database: database, environment: variables(actor: actor))
            }

            func variables(actor: String) -> [String: String] {
                var variables = ["TRADU_ACTOR": actor]
                if let stagingDatabase { variables["STAGING_DATABASE_URL"] = stagingDatabase }
                return variables
            }

            /// Applies the manifests to staging and runs it until every block is final.
            func stagingRuns() async throws {
                let apply = try await tradu(["apply", "-e", "staging", "--auto-approve"])
                #expect(apply.status == 0, "\(apply.stderr)")
                let run = try await tradu(["run", "-e", "staging"])
                #expect(run.status == 0, "\(run.stderr)")
            }

            func latestFreight(_ environment: String) async throws -> String {
                try #require(try await currentFreight(environment))
            }

            /// The freight of the environment's latest revision, nil before its first.
            func currentFreight(_ environment: String) async throws -> String? {
                let history = try await tradu(["history", "-e", environment, "-o", "json"])
                let json = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any]
                let revisions = json?["revisions"] as? [[String: Any]] ?? []
                return revisions.first?["freight"] as? String
            }

            func store(_ environment: String) async throws -> Store {
                let url = environment == "staging" ? stagingDatabase ?? database : database
                return try await Store.open(url: url, schema: EnvironmentSchema(environment: environment))
            }

            /// `tradu controller -e prod`, promoting by itself every second when the manifests say so.
            func prodController() throws -> TraduProcess {
                try TraduProcess(
                    ["controller", "-e", "prod", "--auto-promote-every", "1s"],
                    in: TestProject(root: root, databaseURL: database), environment: variables(actor: "unused"))
            }

            /// Nothing was applied to prod: no revision, no block.
            func expectProdUntouched(_ comment: Comment? = nil) async throws {
                let prod = try await store("prod")
                #expect(try await prod.latestRevision() == nil, comment)
                #expect(try await prod.blocks().isEmpty, comment)
                await prod.close()
            }

            func promotions() async throws -> [PromotionRecord] {
                let prod = try await store("prod")
                defer { Task { await prod.close() } }
                return try await prod.promotions()
            }
        }

        @Test func theHappyPathPromotesTheFreightStagingRan() async throws {
            let project = try await Project.make(promotion: "{from: staging, minCompletedRatio: 1}")
            try await project.stagingRuns()
            let freight = try await project.latestFreight("staging")

            let dryRun = try await project.tradu(["promote", "--to", "prod", "--dry-run"])
            #expect(dryRun.status == 2, "\(dryRun.stderr)")
            #expect(dryRun.stdout.contains("Promotion of freight \(freight) from staging rev 1 to prod"))
            #expect(dryRun.stdout.contains("100% (16 of 16)"))
            #expect(dryRun.stdout.contains("Plan: 16 to add, 0 to reprocess, 0 to cancel."))
            try await project.expectProdUntouched("a dry run writes nothing")
            #expect(try await project.promotions().isEmpty)

            let promote = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(promote.status == 0, "\(promote.stderr)")
            #expect(promote.stdout.contains("Promotion complete: revision 1 of prod, promoted from staging rev 1"))
            let history = try await project.tradu(["history", "-e", "prod"])
            #expect(history.stdout.contains("promoted from staging rev 1"))
            #expect(try await project.latestFreight("prod") == freight, "prod records the freight staging ran")
            let records = try await project.promotions()
            #expect(records.map(\.phase) == ["Succeeded"])
            #expect(records.first?.targetRevision == 1)
            #expect(records.first?.requestedBy == "ci")

            let again = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("Nothing to promote: prod already runs freight \(freight)"))

            let direct = try await project.tradu(["apply", "-e", "prod", "--auto-approve"])
            #expect(direct.status == 3)
            #expect(direct.stderr.contains("prod takes changes through `tradu promote --to prod`"))
        }

        @Test func tooManyFailedBlocksRefuse() async throws {
            let project = try await Project.make(
                promotion: "{from: staging, minCompletedRatio: 0.5, maxFailedBlocks: 0}")
            try await project.stagingRuns()
            let staging = try await project.store("staging")
            // Evidence the gate must see: one block of staging dead-lettered.
            try await staging.connection.query(
                "UPDATE blocks SET state = 'failed', errors = '[{\"class\": \"data\"}]' WHERE id = (SELECT min(id) FROM blocks)"
            )
            await staging.close()
            let result = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(result.status == 3)
            #expect(result.stderr.contains("refused: gate maxFailedBlocks failed: 1, required ≤ 0"))
            try await project.expectProdUntouched()
            let records = try await project.promotions()
            #expect(records.map(\.phase) == ["Refused"])
            #expect(records.first?.gates.contains("\"maxFailedBlocks\"") == true)
        }

        @Test func soakNotReachedGivesTheTimeLeft() async throws {
            let project = try await Project.make(promotion: "{from: staging, minSoak: 1h}")
            try await project.stagingRuns()
            let result = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(result.status == 3)
            #expect(result.stderr.contains("refused: gate minSoak failed"))
            #expect(result.stderr.contains("required ≥ 1h ("), "\(result.stderr)")
            #expect(result.stderr.contains("m") && result.stderr.contains("s left)"), "the time left: \(result.stderr)")
            try await project.expectProdUntouched()
        }

        @Test func dataEditedAfterStagingRanItRefuses() async throws {
            let project = try await Project.make()
            try await project.stagingRuns()
            try project.writeDocuments(count: 30, edit: "Someone edited this after staging ran it.")
            let result = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(result.status == 3)
            #expect(result.stderr.contains("the data on disk differs from what the freight ran: dataset 'articles'"))
            try await project.expectProdUntouched()
        }

        @Test func aProcessingDifferenceNeedsAnAllowance() async throws {
            let overrides = "[{kind: Engine, name: local, patch: {prompt: Paraphrase.}}]"
            let project = try await Project.make(prodOverrides: overrides)
            try await project.stagingRuns()
            let refused = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(refused.status == 3)
            #expect(
                refused.stderr.contains(
                    "pipeline 'help': engine.prompt differs (source 'Translate.', target 'Paraphrase.')"))
            try await project.expectProdUntouched()

            // Allowing the field is part of the freight: it is committed and validated in staging like any change.
            try project.writeManifests(
                promotion: "{from: staging, allowDifferences: [engine.prompt]}", prodOverrides: overrides)
            try await project.stagingRuns()
            let allowed = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(allowed.status == 0, "\(allowed.stderr)")
            let record = try #require(try await project.promotions().first)
            #expect(record.phase == "Succeeded")
            #expect(record.allowances.contains("engine.prompt"))
            #expect(record.allowances.contains("Paraphrase."))
        }

        @Test func aRejectedFreightIsRefusedUntilUnrejected() async throws {
            let project = try await Project.make()
            try await project.stagingRuns()
            let freight = try await project.latestFreight("staging")
            let reject = try await project.tradu(
                ["reject", "--freight", freight, "-m", "hallucinated glossary terms"], actor: "reviewer")
            #expect(reject.status == 0, "\(reject.stderr)")
            let refused = try await project.tradu(["promote", "--to", "prod", "--auto-approve"])
            #expect(refused.status == 3)
            #expect(
                refused.stderr.contains("freight \(freight) was rejected by reviewer at")
                    && refused.stderr.contains("hallucinated glossary terms"))
            try await project.expectProdUntouched()
            #expect(try await project.tradu(["unreject", "--freight", freight, "-m", "false alarm"]).status == 0)
            #expect(try await project.tradu(["promote", "--to", "prod", "--auto-approve"]).status == 0)
        }

        @Test func thePromoterCannotBeTheApprover() async throws {
            let project = try await Project.make(promotion: "{from: staging, requireApproval: true}")
            try await project.stagingRuns()
            let freight = try await project.latestFreight("staging")
            let unknown = try await project.tradu(["approve", "-e", "prod", "--freight", "0000deadbeef", "-m", "typo"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("staging never ran freight 0000deadbeef"))
            let byRevision = try await project.tradu(
                ["approve", "-e", "prod", "--revision", "1", "-m", "ok"], actor: "alice")
            #expect(byRevision.status == 0, "\(byRevision.stderr)")
            #expect(byRevision.stdout.contains("Approved freight \(freight) for prod as alice."), "revision 1 ran it")
            let selfApproved = try await project.tradu(["promote", "--to", "prod", "--auto-approve"], actor: "alice")
            #expect(selfApproved.status == 3)
            #expect(selfApproved.stderr.contains("approved only by alice, who is promoting"))
            try await project.expectProdUntouched()
            let promoted = try await project.tradu(["promote", "--to", "prod", "--auto-approve"], actor: "ci")
            #expect(promoted.status == 0, "\(promoted.stderr)")
            let records = try await project.promotions()
            #expect(records.map(\.phase) == ["Succeeded", "Refused"], "a second attempt evaluates every gate afresh")
        }

        @Test func aHeldTargetLockRefusesNamingTheHolder() async throws {
            let project = try await Project.make()
            try await project.stagingRuns()
            let prod = try await project.store("prod")
            let handle = try await prod.lock.acquire(
                holder: "promote by someone-else", host: "ci-runner-7", pid: 4242, ttl: .seconds(600), waitUpTo: .zero)
            let refused = try await project.tradu(["promote", "--to", "prod", "--auto-approve", "--lock-timeout", "0s"])
            #expect(refused.status == 3)
            #expect(refused.stderr.contains("promote by someone-else"), "\(refused.stderr)")
            #expect(try await prod.latestRevision() == nil)
            #expect(try await project.promotions().first?.phase == "Refused")
            try await prod.lock.release(handle)
            await prod.close()

            // Two promotions at once: one applies; the other waits no time for the lock and is refused, or finds the
            // freight already there. Never two revisions.
            let first = Task.detached {
                try await project.tradu(["promote", "--to", "prod", "--auto-approve", "--lock-timeout", "0s"])
            }
            let second = Task.detached {
                try await project.tradu(["promote", "--to", "prod", "--auto-approve", "--lock-timeout", "0s"])
            }
            let results = [try await first.value, try await second.value]
            #expect(results.contains { $0.status == 0 && $0.stdout.contains("Promotion complete: revision 1 of prod") })
            for result in results where result.status != 0 {
                #expect(result.status == 3)
                #expect(result.stderr.contains("promote by ci"), "the loser names the holder: \(result.stderr)")
            }
            let after = try await project.store("prod")
            #expect(try await after.revisions().count == 1)
            await after.close()
        }

        @Test func rollingBackReturnsToAnEarlierFreight() async throws {
            let project = try await Project.make()
            try await project.stagingRuns()
            let first = try await project.latestFreight("staging")
            #expect(try await project.tradu(["promote", "--to", "prod", "--auto-approve"]).status == 0)

            try project.writeManifests(promotion: "{from: staging}", prompt: "Translate carefully.")
            try await project.stagingRuns()
            let second = try await project.latestFreight("staging")
            #expect(first != second)
            #expect(try await project.tradu(["promote", "--to", "prod", "--auto-approve"]).status == 0)

            let noReason = try await project.tradu(["promote", "--to", "prod", "--freight", first, "--rollback"])
            #expect(noReason.status != 0 && noReason.stderr.contains("--rollback needs -m MSG"))
            let rollback = try await project.tradu(
                [
                    "promote", "--to", "prod", "--freight", first, "--rollback", "-m", "the new prompt is worse",
                    "--auto-approve",
                ])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(rollback.stdout.contains("Rollback of prod to freight \(first)"))
            #expect(
                rollback.stdout.contains("Plan: 0 to add, 16 to reprocess, 0 to cancel."), "the rollback's cost shows")
            #expect(try await project.latestFreight("prod") == first)
            let history = try await project.tradu(["history", "-e", "prod"])
            #expect(history.stdout.contains("rollback to rev 1"))
            let never = try await project.tradu(
                ["promote", "--to", "prod", "--freight", "0123456789ab", "--rollback", "-m", "x", "--auto-approve"])
            #expect(never.status == 3)
            #expect(never.stderr.contains("prod never ran freight 0123456789ab"))
        }

        /// A person's rollback and the controller's promotion cannot cross: the rollback's hold is set under the
        /// environment lock before its revision is written, and an automatic promotion checks the hold under the
        /// same lock. Played as the race's worst case: a controller that read "no hold" just before the rollback
        /// (its promotion started directly, past `AutoPromotion`'s own look) is refused, and prod keeps the rollback.
        @Test func aRollbacksHoldStopsAnAutomaticPromotionAlreadyUnderWay() async throws {
            let project = try await Project.make(promotion: "{from: staging, auto: true}")
            try await project.stagingRuns()
            let first = try await project.latestFreight("staging")
            #expect(try await project.tradu(["promote", "--to", "prod", "--auto-approve"]).status == 0)
            try project.writeManifests(promotion: "{from: staging, auto: true}", prompt: "Translate carefully.")
            try await project.stagingRuns()
            let second = try await project.latestFreight("staging")
            #expect(try await project.tradu(["promote", "--to", "prod", "--auto-approve"]).status == 0)
            #expect(try await project.latestFreight("prod") == second)

            let rollback = try await project.tradu(
                ["promote", "--to", "prod", "--freight", first, "--rollback", "-m", "regression", "--auto-approve"])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            let prod = try await project.store("prod")
            defer { Task { await prod.close() } }
            // The environment's state as the rollback's own transaction left it (the apply writes that row) already
            // holds: the hold was committed before, under the lock. Set after the revision, it would be a later
            // transaction's row version.
            let order = try await prod.connection.query(
                """
                SELECT ((SELECT xmin::text FROM environment_state WHERE auto_promotion_hold IS NOT NULL)
                        = (SELECT xmin::text FROM revisions ORDER BY number DESC LIMIT 1))::text AS before
                """)
            #expect(order.first?["before"] == "true", "the hold was in place before the rollback's revision")

            let resolver = DatabaseResolver(
                explicitURL: project.database, home: nil, environmentVariables: project.variables(actor: "unused"))
            let logger = Logger(label: "test")
            let useCase = PromoteUseCase(
                planner: PlanService(resolver: resolver, logger: logger, projectRoot: project.root),
                applier: ApplyService(logger: logger))
            let request = PromoteUseCase.Request(
                directory: project.root + "/manifests", target: "prod", lockTimeout: .seconds(5),
                message: "auto-promotion", actor: "controller:test", automatic: true)
            do {
                let outcome = try await useCase.run(request)
                Issue.record("an automatic promotion past a rollback's hold: \(outcome)")
            } catch {
                #expect("\(error)".contains("held by a manual rollback to freight \(first)"), "\(error)")
            }
            #expect(try await project.latestFreight("prod") == first, "the rollback stays")
            let refused = try #require(try await prod.promotions().first)
            #expect(refused.automatic && refused.phase == "Refused", "\(refused)")
        }

        /// Auto-promotion, with the source in the same database (another schema) and in a database of its own.
        @Test(arguments: [false, true])
        func theControllerPromotesByItselfAndRespectsAHold(stagingOwnDatabase: Bool) async throws {
            let project = try await Project.make(
                promotion: "{from: staging, auto: true}", stagingOwnDatabase: stagingOwnDatabase)
            try await project.stagingRuns()
            let first = try await project.latestFreight("staging")
            let controller = try project.prodController()
            defer { controller.kill9() }
            try await eventually("the controller promotes staging's freight") {
                await (try? project.currentFreight("prod")) == first
            }
            let record = try #require(try await project.promotions().first)
            #expect(record.automatic)
            #expect(record.requestedBy.hasPrefix("controller:"))
            #expect(record.phase == "Succeeded")

            try project.writeManifests(promotion: "{from: staging, auto: true}", prompt: "Translate carefully.")
            try await project.stagingRuns()
            let second = try await project.latestFreight("staging")
            try await eventually("the controller promotes the new freight") {
                await (try? project.currentFreight("prod")) == second
            }

            // A person rolls back: the controller holds, and does not put the newer freight back.
            let rollback = try await project.tradu(
                ["promote", "--to", "prod", "--freight", first, "--rollback", "-m", "regression", "--auto-approve"])
            #expect(rollback.status == 0, "\(rollback.stderr)")
            try await eventually("the controller notices the hold") {
                controller.log.contains("auto-promotion held by a manual rollback")
            }
            #expect(try await project.latestFreight("prod") == first, "held: the rollback stays")
            let resume = try await project.tradu(["promote", "--to", "prod", "--resume-auto"])
            #expect(resume.stdout.contains("Auto-promotion of prod resumed"))
            try await eventually("promoting again once resumed") {
                await (try? project.currentFreight("prod")) == second
            }
            if stagingOwnDatabase {
                // Staging's database holds only staging's schema: the controller wrote nothing there.
                let staging = try await project.store("staging")
                let schemas = try await staging.connection.query(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tradu_%' ORDER BY 1")
                #expect(schemas.map { $0["nspname"] } == ["tradu_staging"])
                await staging.close()
            }
        }
    }
}
