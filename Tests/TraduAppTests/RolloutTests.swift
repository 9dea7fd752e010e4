import Foundation
import Logging
import Synchronization
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

@testable import TraduAPI
@testable import TraduStore

/// Canary rollouts end to end: real `tradu` processes against a real PostgreSQL, a local `command` engine whose
/// behaviour follows its prompt (`examples/rollout/translator.py`), and a real `check` program. Each test first runs the
/// corpus under prompt v1, then changes the prompt.
extension ProcessHeavyTests {
    @Suite(.serialized) struct RolloutTests {
        struct Project {
            let project: TestProject
            let documents: Int
            var root: String { project.root }

            /// `documents` one-document blocks in French, each document with a `{product}` placeholder.
            static func make(documents: Int = 30) async throws -> Project {
                Project(project: try await TestProject.articles(documents), documents: documents)
            }

            static var engines: String { RepositoryPaths.root + "/Tests/TraduAppTests/Fixtures/engines" }

            func write(
                prompt: String, rollout: String = "{steps: [10%, 100%], analysis: {minBlocks: 5}}", sinks: String = "[]"
            ) throws {
                let text = """
                    apiVersion: tradu/v1
                    kind: Environment
                    metadata: {name: dev}
                    spec: {}
                    ---
                    apiVersion: tradu/v1
                    kind: Environment
                    metadata: {name: prod}
                    spec: {promotion: {from: dev}}
                    ---
                    apiVersion: tradu/v1
                    kind: Dataset
                    metadata: {name: articles}
                    spec: {source: {path: data/articles.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 1}}
                    ---
                    apiVersion: tradu/v1
                    kind: Engine
                    metadata: {name: local}
                    spec: {type: command, command: ["\(TestProject.python)", "\(TestProject.promptDrivenTranslator)"], prompt: "\(prompt)"}
                    ---
                    apiVersion: tradu/v1
                    kind: Pipeline
                    metadata: {name: help}
                    spec:
                      dataset: articles
                      engine: local
                      targetLanguages: [fr]
                      sinks: \(sinks)
                      rollout: \(rollout)

                    """
                try text.write(toFile: root + "/manifests/project.yaml", atomically: true, encoding: .utf8)
            }

            @discardableResult
            func tradu(_ arguments: [String], expect status: Int32? = 0) async throws -> CommandLineTests.Run {
                let run = try await CommandLineTests.run(
                    arguments, in: root, database: project.databaseURL, environment: ["TRADU_ACTOR": "ana"])
                if let status {
                    #expect(run.status == status, "tradu \(arguments.joined(separator: " ")): \(run.stderr)")
                }
                return run
            }

            /// `tradu export`: the current results, as the file a user gets.
            func export() async throws -> String {
                let folder = root + "/export-\(UUID().uuidString.prefix(8))"
                try await tradu(["export", "-e", "dev", "--to", folder])
                return try String(contentsOfFile: folder + "/help/fr.jsonl", encoding: .utf8)
            }

            /// Runs prompt v1 to the end: every block completed, the baseline.
            func baseline(sinks: String = "[]") async throws -> String {
                try write(prompt: "Translate v1", sinks: sinks)
                try await tradu(["up", "-e", "dev"])
                let exported = try await export()
                #expect(exported.split(separator: "\n").count == documents)
                #expect(exported.contains("[fr v1]"))
                return exported
            }

            func withStore<T: Sendable>(_ body: (Store) async throws -> T) async throws -> T {
                let store = try await Store.open(
                    url: project.databaseURL, schema: EnvironmentSchema(environment: "dev"))
                do {
                    let value = try await body(store)
                    await store.close()
                    return value
                } catch {
                    await store.close()
                    throw error
                }
            }

            func rollout() async throws -> RolloutRecord {
                try #require(try await withStore { try await $0.latestRollouts().first })
            }

            func analyses() async throws -> [RolloutAnalysisRecord] {
                let id = try await rollout().id
                return try await withStore { try await $0.rolloutAnalyses(rolloutID: id) }
            }

            /// How many times each block was sent back by a rollout step (its `rollout step` events).
            func stepEvents() async throws -> [String: Int] {
                try await withStore { store in
                    var counts: [String: Int] = [:]
                    for row in try await store.connection.query(
                        "SELECT block_id FROM block_events WHERE reason LIKE 'rollout step %'")
                    {
                        counts[row["block_id"]!, default: 0] += 1
                    }
                    return counts
                }
            }

            func latestRevisionMessage() async throws -> String? {
                try await withStore { try await $0.latestRevision()?.message }
            }
        }

        /// The demo the README runs.
        @Test func theRolloutExampleIsValid() async throws {
            let run = try await CommandLineTests.run(
                ["validate", "-f", "manifests"], in: RepositoryPaths.root + "/examples/rollout",
                database: "postgresql://unused")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("Valid: 4 objects"))
        }

        @Test func aHealthyPromptChangeRollsOutStepByStepAndItsResultsBecomeCurrentAtTheEnd() async throws {
            let project = try await Project.make()
            let before = try await project.baseline()
            // A check held until this test has looked at the rollout while step 1 is analysed.
            let hold = project.root + "/hold-analysis"
            FileManager.default.createFile(atPath: hold, contents: nil)
            let check =
                "[\"\(TestProject.python)\", \"\(Project.engines)/glossary_check.py\", --hold-while, \"\(hold)\"]"
            try project.write(
                prompt: "Translate v2",
                rollout: "{steps: [10%, 100%], analysis: {minBlocks: 5, check: {command: \(check)}}}")
            let plan = try await project.tradu(["plan", "-e", "dev"])
            #expect(plan.stdout.contains("rollout: step 1 of 2 (10%) reprocesses 5 of the 30 changed blocks first"))
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            #expect(try await project.export() == before, "an apply alone reprocesses nothing")

            let run = try TraduProcess(["run", "-e", "dev"], in: project.project)
            try await eventually("step 1 is being analysed", upTo: .seconds(60)) {
                try await project.rollout().state.phase == .analyzing
            }
            let rollout = try await project.rollout()
            let sample = try await project.withStore { try await $0.rolloutSampleIDs(rolloutID: rollout.id) }
            #expect(sample.count == 5, "10% of 30 changed blocks, raised to minBlocks 5")
            let newResults = try await project.withStore { store in
                try await store.connection.query(
                    "SELECT count(*) AS n FROM results WHERE spec_hash = $1", [rollout.canarySpecHash]
                )[0]["n"]!
            }
            #expect(newResults == "5", "the sample's new results are stored beside the current ones")
            #expect(
                try await project.export() == before, "export serves the current results until the rollout completes")
            #expect(rollout.state.step == 0)
            try FileManager.default.removeItem(atPath: hold)

            #expect(await run.wait(upTo: .seconds(90)) == 0, "\(run.logDigest)")
            let finished = try await project.rollout()
            #expect(finished.state.phase == .completed)
            #expect(try await project.analyses().map(\.outcome) == ["passed", "passed"])
            let after = try await project.export()
            #expect(after.split(separator: "\n").count == 30)
            #expect(after.split(separator: "\n").allSatisfy { $0.contains("[fr v2]") })
            #expect(try await project.stepEvents().values.allSatisfy { $0 == 1 }, "every block reprocessed once")
            let replan = try await project.tradu(["plan", "-e", "dev", "--detailed-exitcode"])
            #expect(replan.stdout.contains("No changes"))
        }

        @Test func droppedPlaceholdersRollBackAndRetryReprocessesTheSameBlocks() async throws {
            let project = try await Project.make(documents: 60)
            let before = try await project.baseline()
            try project.write(
                prompt: "Translate DROP v2",
                rollout: "{steps: [10%, 100%], analysis: {minBlocks: 5, maxFailedRatio: 1}}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            try await project.tradu(["run", "-e", "dev"])

            let rollout = try await project.rollout()
            #expect(rollout.state.phase == .rolledBack)
            let reason = try #require(rollout.state.reason)
            #expect(reason.hasPrefix("maxDataErrorRatio ") && reason.hasSuffix(" > 0"), "\(reason)")
            #expect(try await project.export() == before, "a rollback leaves the current results byte for byte")
            #expect(try await project.latestRevisionMessage() == "automatic rollback of revision 2: \(reason)")
            // The console's history shows the rollout, its phase and the analysis that rolled it back.
            let service = OperatorService(
                target: EnvironmentTarget(environment: .implicit("dev"), url: project.project.databaseURL),
                logger: Logger(label: "test"))
            let history = try await HistoryPage.content(
                frame: ConsoleFrame(
                    basePath: "", environments: ["dev"], identity: nil, formToken: nil, publicRead: true),
                service: service
            ).text
            #expect(
                history.contains("class=\"phase phase-rolled_back\"") && history.contains("<caption>Analyses</caption>")
            )
            #expect(history.contains("<caption>figures</caption>"), "each analysis's figures in a table")
            #expect(
                history.contains("<td>maxDataErrorRatio</td>") && history.contains("<span class=\"fail\">failed</span>")
            )
            // The manifests differ from what runs, and applying them again does not restart the rollout.
            #expect(
                try await project.tradu(["diff", "-e", "dev", "--detailed-exitcode"], expect: 2).stdout.contains("DROP")
            )
            let held = try await project.tradu(["plan", "-e", "dev"])
            #expect(held.stdout.contains("rolled back (\(reason))"))
            #expect(held.stdout.contains("tradu rollout retry -e dev help"))
            #expect(try await project.tradu(["apply", "-e", "dev", "--auto-approve"]).stdout.contains("No changes"))
            // A promotion refuses the source while a rollout is rolled back there.
            let promote = try await project.tradu(["promote", "--from", "dev", "--to", "prod", "--dry-run"], expect: 3)
            #expect(promote.stdout.contains("noUnsettledRollout") || promote.stderr.contains("noUnsettledRollout"))

            // The rolled-back results stay for inspection; a retry reprocesses exactly the same blocks.
            let sample = Set(try await project.withStore { try await $0.rolloutSampleIDs(rolloutID: rollout.id) })
            let firstRun = try await project.stepEvents()
            #expect(Set(firstRun.keys) == sample)
            try await project.tradu(["rollout", "retry", "-e", "dev", "help", "-m", "once more, same sample"])
            try await project.tradu(["run", "-e", "dev"])
            let secondRun = try await project.stepEvents()
            #expect(Set(secondRun.keys) == sample)
            #expect(secondRun.values.allSatisfy { $0 == 2 }, "each sample block once per run, no other block")
            let again = try await project.rollout()
            #expect(again.state.phase == .rolledBack && again.state.run == 2)
            #expect(try await project.export() == before)
        }

        @Test func paddedAnswersBreakTheTokenRatioAndAPausedRolloutCanBePromotedByHand() async throws {
            let project = try await Project.make()
            _ = try await project.baseline()
            try project.write(
                prompt: "Translate PAD v2",
                rollout: "{steps: [10%, 100%], analysis: {minBlocks: 5, maxTokenRatio: 1.5}}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            try await project.tradu(["run", "-e", "dev"])
            let rolledBack = try await project.rollout()
            #expect(rolledBack.state.phase == .rolledBack)
            #expect(rolledBack.state.reason?.hasPrefix("maxTokenRatio ") == true, "\(rolledBack.state.reason ?? "-")")

            try project.write(
                prompt: "Translate PAD v3",
                rollout: "{steps: [10%, 100%], analysis: {minBlocks: 5, maxTokenRatio: 1.5}, onFailure: pause}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            try await project.tradu(["run", "-e", "dev"])
            let paused = try await project.rollout()
            #expect(paused.state.phase == .paused)
            #expect(paused.id != rolledBack.id, "a new spec starts a new rollout")
            let status = try await project.tradu(["rollout", "status", "-e", "dev", "help"])
            #expect(status.stdout.contains("paused, step 1/2 (10%)"))
            #expect(status.stdout.contains("maxTokenRatio"))

            try await project.tradu(["rollout", "promote", "-e", "dev", "help", "-m", "longer answers are fine"])
            try await project.tradu(["run", "-e", "dev"])
            let promoted = try await project.rollout()
            #expect(promoted.state.phase == .completed)
            #expect(promoted.state.reason == "promoted by ana: longer answers are fine")
            #expect(try await project.analyses().count == 1, "promoted: no analysis of the last step")
            let after = try await project.export()
            #expect(after.split(separator: "\n").allSatisfy { $0.contains("[fr v3]") && $0.contains("(padding)") })
        }

        @Test func aRejectingCheckRollsBackWithItsMessage() async throws {
            let project = try await Project.make()
            let before = try await project.baseline()
            let check = "[\"\(TestProject.python)\", \"\(Project.engines)/glossary_check.py\", --require, Konto]"
            try project.write(
                prompt: "Translate v2",
                rollout: "{steps: [10%, 100%], analysis: {minBlocks: 5, check: {command: \(check)}}}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            try await project.tradu(["run", "-e", "dev"])
            let rollout = try await project.rollout()
            #expect(rollout.state.phase == .rolledBack)
            #expect(rollout.state.reason == "check: glossary term 'Konto' missing in 5 of 5 records")
            let status = try await project.tradu(["rollout", "status", "-e", "dev"])
            #expect(status.stdout.contains("glossary term 'Konto' missing in 5 of 5 records"))
            let json = try await project.tradu(["rollout", "status", "-e", "dev", "-o", "json"])
            #expect(
                json.stdout.contains("\"phase\" : \"rolled_back\"")
                    || json.stdout.contains("\"phase\": \"rolled_back\""))
            #expect(try await project.export() == before)
        }

        /// A completed rollout's results go to webhooks as a new version (the version in the body and the idempotency
        /// key), and only once the rollout completed: the sample's new results are never delivered before.
        @Test func webhooksReceiveTheNewVersionOnlyWhenTheRolloutCompletes() async throws {
            let calls = Mutex<[TestHTTPRequest]>([])
            let server = try TestHTTPServer { request in
                calls.withLock { $0.append(request) }
                return TestHTTPResponse(status: 200, text: "ok")
            }
            defer { server.stop() }
            let project = try await Project.make()
            let sinks = "[{type: webhook, url: \"\(server.url("/hooks"))\"}]"
            _ = try await project.baseline(sinks: sinks)
            #expect(calls.withLock { $0.count } == 30)
            try project.write(prompt: "Translate v2", sinks: sinks)
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            try await project.tradu(["run", "-e", "dev"])
            let rollout = try await project.rollout()
            #expect(rollout.state.phase == .completed)

            let received = calls.withLock { $0 }
            #expect(received.count == 60, "each block once per version")
            let keys = Set(received.compactMap { $0.header("Idempotency-Key") })
            #expect(keys.count == 60)
            let newVersion = received.dropFirst(30)
            #expect(newVersion.allSatisfy { $0.bodyText.contains("\"version\":\"\(rollout.canarySpecHash)\"") })
            #expect(newVersion.allSatisfy { $0.bodyText.contains("[fr v2]") })
            #expect(
                newVersion.allSatisfy {
                    $0.header("Idempotency-Key")?.contains(String(rollout.canarySpecHash.prefix(16))) == true
                })
            let early = try await project.withStore { store in
                try await store.connection.query(
                    """
                    SELECT count(*) AS n FROM sink_deliveries d, rollouts o
                    WHERE d.spec_hash = o.canary_spec_hash AND d.delivered_at < o.finished_at
                    """)[0]["n"]!
            }
            #expect(early == "0", "nothing of the new version was delivered before the rollout completed")
        }

        @Test func aStandbyControllerFinishesAnInterruptedAnalysisWithoutRepeatingAStep() async throws {
            let project = try await Project.make()
            _ = try await project.baseline()
            let hold = project.root + "/hold-analysis"
            FileManager.default.createFile(atPath: hold, contents: nil)
            let check =
                "[\"\(TestProject.python)\", \"\(Project.engines)/glossary_check.py\", --hold-while, \"\(hold)\"]"
            try project.write(
                prompt: "Translate v2",
                rollout: "{steps: [10%, 100%], analysis: {minBlocks: 5, check: {command: \(check)}}}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])

            let worker = try TraduProcess(["worker", "-e", "dev"], in: project.project)
            let first = try TraduProcess(["controller", "-e", "dev", "--leader-lease", "2s"], in: project.project)
            let second = try TraduProcess(["controller", "-e", "dev", "--leader-lease", "2s"], in: project.project)
            defer {
                for process in [worker, first, second] { process.terminate() }
            }
            try await eventually("step 1 is being analysed", upTo: .seconds(60)) {
                try await project.rollout().state.phase == .analyzing
            }
            let leaderPID = try await project.withStore { store in
                try await store.connection.query(
                    "SELECT i.pid FROM controller_lease l JOIN instances i ON i.id = l.holder"
                ).first?["pid"].flatMap { Int32($0) }
            }
            let leader = try #require([first, second].first { $0.pid == leaderPID })
            let standby = leader === first ? second : first
            // The leader is inside the check, analysing step 1: killed there, its verdict is never written.
            try await Task.sleep(for: .milliseconds(500))
            leader.kill9()
            try FileManager.default.removeItem(atPath: hold)

            try await eventually("the standby completes the rollout", upTo: .seconds(90)) {
                try await project.rollout().state.phase == .completed
            }
            #expect(try await project.analyses().map(\.outcome) == ["passed", "passed"], "one verdict per step")
            let events = try await project.stepEvents()
            #expect(events.count == 30 && events.values.allSatisfy { $0 == 1 }, "no step repeated: \(events)")
            let rollout = try await project.rollout()
            let starts = try await project.withStore { store in
                try await store.rolloutEvents(rolloutID: rollout.id).filter { $0.message?.contains("started") == true }
            }
            #expect(starts.count == 2, "\(starts.map { $0.message ?? "" })")
            #expect(starts.last?.actor.contains("-\(standby.pid)-") == true, "the standby started step 2")
            for process in [worker, standby] { process.terminate() }
            #expect(await worker.wait() == 0)
            #expect(await standby.wait() == 0)
        }
    }
}
