import Foundation
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

@testable import TraduStore

extension ProcessHeavyTests {
    /// Cost end to end: every attempt's tokens and price recorded (failed ones too), shown by status and history;
    /// a budget that stops scheduling and resumes when raised; a pause that holds a pipeline without cancelling.
    /// Real `tradu` processes, a real PostgreSQL, `examples/rollout/translator.py` as the engine.
    @Suite(.serialized) struct CostTests {
        struct Project {
            let project: TestProject
            var root: String { project.root }

            static func make(documents: Int = 30) async throws -> Project {
                Project(project: try await TestProject.articles(documents))
            }

            /// One document per block; `pricing` and `budget` as YAML flow mappings.
            func write(prompt: String = "Translate v1", pricing: String, budget: String? = nil) throws {
                let engine = TestProject.promptDrivenTranslator
                let text = """
                    apiVersion: tradu/v1
                    kind: Environment
                    metadata: {name: dev}
                    spec: {}
                    ---
                    apiVersion: tradu/v1
                    kind: Dataset
                    metadata: {name: articles}
                    spec: {source: {path: data/articles.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 1}}
                    ---
                    apiVersion: tradu/v1
                    kind: Engine
                    metadata: {name: local}
                    spec:
                      type: command
                      command: ["\(TestProject.python)", "\(engine)"]
                      prompt: "\(prompt)"
                      pricing: \(pricing)
                    ---
                    apiVersion: tradu/v1
                    kind: Pipeline
                    metadata: {name: help}
                    spec:
                      dataset: articles
                      engine: local
                      targetLanguages: [fr]
                    \(budget.map { "  budget: \($0)" } ?? "")

                    """
                try text.write(toFile: root + "/manifests/project.yaml", atomically: true, encoding: .utf8)
            }

            /// The articles dataset cut as `blocks` says (a YAML flow mapping), one `pseudo` pipeline to French, in
            /// each of `environments`.
            func writePseudo(environments: [String] = ["dev"], blocks: String, languages: String = "[fr]") throws {
                var text = ""
                for name in environments {
                    text += "apiVersion: tradu/v1\nkind: Environment\nmetadata: {name: \(name)}\nspec: {}\n---\n"
                }
                text += """
                    apiVersion: tradu/v1
                    kind: Dataset
                    metadata: {name: articles}
                    spec: {source: {path: data/articles.jsonl}, format: jsonl, sourceLanguage: en, blocks: \(blocks)}
                    ---
                    apiVersion: tradu/v1
                    kind: Engine
                    metadata: {name: local}
                    spec: {type: pseudo}
                    ---
                    apiVersion: tradu/v1
                    kind: Pipeline
                    metadata: {name: help}
                    spec: {dataset: articles, engine: local, targetLanguages: \(languages)}

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

            func query(_ sql: String) async throws -> [[String: String?]] {
                try await project.query(sql)
            }

            func counts() async throws -> [String: Int] {
                try await query("SELECT state, count(*) AS n FROM blocks GROUP BY state").reduce(into: [:]) {
                    $0[$1["state"]!!] = Int($1["n"]!!)
                }
            }
        }

        @Test func everyAttemptIsPaidForAndStatusAndHistoryShowIt() async throws {
            let project = try await Project.make()
            // A third of the answers lose their placeholder: failed attempts whose tokens were still used.
            try project.write(
                prompt: "Translate DROP v1", pricing: "{inputPerMillionTokens: 2.5, outputPerMillionTokens: 10}")
            try await project.tradu(["up", "-e", "dev"], expect: 4)
            let counts = try await project.counts()
            let failed = try #require(counts["failed"])
            #expect(failed > 0 && counts["completed"]! + failed == 30)
            let spend = try #require(try await project.query("SELECT * FROM spend WHERE revision = 1").first)
            let rows = try await project.query(
                "SELECT sum(attempts) AS a, sum(failed_attempts) AS f, sum(input_tokens) AS i, sum(output_tokens) AS o,"
                    + " sum(cost_micros) AS c, max(currency) AS currency FROM spend")[0]
            #expect(rows["a"]!! == "30")
            #expect(rows["f"]!! == String(failed))
            #expect(spend["currency"]!! == "USD")
            let results = try await project.query("SELECT sum(input_tokens) AS i FROM results")[0]
            #expect(Int(rows["i"]!!)! > Int(results["i"]!!)!, "failed attempts' tokens are counted too")
            let input = Int64(rows["i"]!!)!
            let output = Int64(rows["o"]!!)!
            #expect(Int64(rows["c"]!!)! == input * 5 / 2 + output * 10, "2.5 and 10 USD per million tokens, in micros")

            let status = try await project.tradu(["status", "-e", "dev"])
            #expect(status.stdout.contains("in 30 attempts (\(failed) failed)"), "\(status.stdout)")
            #expect(status.stdout.contains(" USD; projected "))
            let json = try await project.tradu(["status", "-e", "dev", "-o", "json"])
            #expect(json.stdout.contains("\"failedAttempts\""))
            let history = try await project.tradu(["history", "-e", "dev"])
            #expect(history.stdout.contains("SPENT"))
            #expect(history.stdout.contains(" USD"), "\(history.stdout)")
            let plan = try await project.tradu(["plan", "-e", "dev"])
            #expect(plan.stdout.contains("No changes") || plan.stdout.contains("Estimate"))
        }

        @Test func aBudgetStopsSchedulingWithinOneWindowAndRaisingItResumes() async throws {
            let project = try await Project.make()
            // About 28 USD a block (a million USD per million tokens): a 100 USD budget buys three or four.
            let pricing = "{inputPerMillionTokens: 1000000, outputPerMillionTokens: 1000000}"
            try project.write(pricing: pricing, budget: "{maxCost: 100}")
            let plan = try await project.tradu(["plan", "-e", "dev"])
            #expect(plan.stdout.contains(" USD"), "the plan prices the work: \(plan.stdout)")
            let first = try await project.tradu(["up", "-e", "dev"])
            #expect(first.stdout.contains("held by BudgetExhausted: pipeline budget: spent"), "\(first.stdout)")
            let completed = try await project.counts()["completed"] ?? 0
            #expect(completed >= 3 && completed <= 8, "stopped within one window of blocks in flight: \(completed)")
            let spent = Int64(try await project.query("SELECT sum(cost_micros) AS c FROM spend")[0]["c"]!!)!
            let perBlock = spent / Int64(completed)
            #expect(spent >= 100_000_000 - perBlock, "the budget was used")
            // Blocks start while spend plus blocks in flight at the average cost so far fit the budget, so a window
            // in flight may cost more than the average says: the bound is a window at the dearest block's cost.
            let dearest = Int64(
                try await project.query("SELECT max(input_tokens + output_tokens) AS t FROM results")[0]["t"]!!)!
            #expect(
                spent <= 100_000_000 + 4 * dearest * 1_000_000,
                "overspend at most one probe window (engine concurrency 4): \(spent) over \(completed) blocks")
            let status = try await project.tradu(["status", "-e", "dev"])
            #expect(status.stdout.contains("BudgetExhausted=True (SpendReachedBudget)"), "\(status.stdout)")

            try project.write(pricing: pricing, budget: "{maxCost: 100000}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve", "-m", "more budget"])
            try await project.tradu(["run", "-e", "dev"])
            #expect(try await project.counts() == ["completed": 30])
        }

        /// An environment cut before cutter version 2 keeps its cut: upgrading re-cuts and reprocesses nothing.
        /// Opting in (`blocks.cutter: 2`) is a re-cut the plan shows; a new environment gets version 2.
        @Test func upgradingTheCutterReprocessesNothingUntilAskedTo() async throws {
            let project = try await Project.make(documents: 400)
            func write(cutter: String) throws {
                try project.writePseudo(environments: ["dev", "fresh"], blocks: "{maxRecords: 20\(cutter)}")
            }
            // An environment as an earlier tradu left it: cut with version 1.
            try write(cutter: ", cutter: 1")
            let old = try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            #expect(old.stdout.contains("cutter 1"), "\(old.stdout)")
            let oldBlocks = try await project.query("SELECT count(*) AS n FROM blocks")[0]["n"]!!
            // Upgrading: the manifests name no version, the environment keeps version 1.
            try write(cutter: "")
            let kept = try await project.tradu(["plan", "-e", "dev"])
            #expect(kept.stdout.contains("no changes, \(oldBlocks) blocks up to date"), "\(kept.stdout)")
            #expect(kept.stdout.contains("Plan: 0 to add, 0 to reprocess, 0 to cancel."))
            #expect(kept.stdout.contains("cutter 1"))
            // A new environment is cut with the latest version: fuller blocks, fewer of them.
            let fresh = try await project.tradu(["plan", "-e", "fresh"], expect: 0)
            #expect(fresh.stdout.contains("cutter \(BlockCutter.latestVersion)"), "\(fresh.stdout)")
            let json = try await project.tradu(["plan", "-e", "fresh", "-o", "json"])
            let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let datasets = document?["datasets"] as? [[String: Any]]
            let perBlock = try #require(datasets?.first?["recordsPerBlock"] as? Double)
            #expect(perBlock >= 13, "version 2 fills blocks of 20 to \(perBlock) records")
            #expect(Double(Int(oldBlocks)!) > 400 / perBlock, "version 1 cut \(oldBlocks) blocks")
            // Opting in on the old environment is a re-cut, shown as such.
            try write(cutter: ", cutter: 2")
            let optIn = try await project.tradu(["plan", "-e", "dev"])
            #expect(optIn.stdout.contains("re-cut"), "\(optIn.stdout)")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            // From version 2 to 3 keeps the cut: the sizing changes, no block does.
            try write(cutter: ", cutter: 3")
            let keeping = try await project.tradu(["plan", "-e", "dev"])
            #expect(keeping.stdout.contains("Plan: 0 to add, 0 to reprocess, 0 to cancel."), "\(keeping.stdout)")
        }

        /// Cutter version 3 through the CLI: an apply records the cut; a document inserted in the middle changes
        /// the one block it falls in (two when that block overflows), appended documents join the last block, and
        /// re-planning unchanged data changes nothing.
        @Test func aDocumentInsertedInTheMiddleChangesOneBlock() async throws {
            let project = try await Project.make(documents: 0)
            try project.writePseudo(blocks: "{maxRecords: 20}")
            func write(_ ids: [String]) throws {
                let text = ids.map { "{\"id\":\"\($0)\",\"text\":\"Article \($0) explains the settings page.\"}\n" }
                try text.joined().write(
                    toFile: project.root + "/manifests/data/articles.jsonl", atomically: true, encoding: .utf8)
            }
            func planned() async throws -> (add: Int, cancel: Int) {
                let json = try await project.tradu(["plan", "-e", "dev", "-o", "json"]).stdout
                let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
                let summary = try #require(document?["summary"] as? [String: Any], "\(json)")
                return (summary["add"] as? Int ?? -1, summary["cancel"] as? Int ?? -1)
            }
            var ids = (0..<2_000).map { "a-\($0)" }
            try write(ids)
            let first = try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            #expect(first.stdout.contains("cutter 3"), "\(first.stdout)")
            let stored = try await project.query("SELECT count(*) AS n FROM blocks")[0]["n"]!!
            #expect(Int(stored)! <= 2_000 / 14, "version 3 fills blocks of 20: \(stored) blocks")
            #expect(try await planned() == (0, 0), "unchanged data re-plans to the same blocks")
            let again = try await project.tradu(["plan", "-e", "dev"]).stdout
            #expect(
                again.contains("cutter 3), ")
                    && again.contains("the environment's cut kept (\(Int(stored)! - 1) boundaries)"),
                "\(again)")

            ids.insert("a-new", at: 1_000)
            try write(ids)
            let inserted = try await planned()
            #expect(inserted.add >= 1 && inserted.add <= 2 && inserted.cancel == 1, "inserted: \(inserted)")
            let text = try await project.tradu(["plan", "-e", "dev"]).stdout
            #expect(text.contains("  no longer in the data"), "\(text)")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            #expect(try await planned() == (0, 0))

            ids += (0..<7).map { "b-\($0)" }
            try write(ids)
            let appended = try await planned()
            #expect(appended.cancel == 1 && appended.add >= 1 && appended.add <= 2, "appended: \(appended)")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            let cut = try await project.query("SELECT dataset, last_record FROM dataset_cuts")
            #expect(cut.map { $0["last_record"]!! } == ["b-6"])
            // A language that leaves the pipeline says so on each of its blocks.
            try project.writePseudo(blocks: "{maxRecords: 20}", languages: "[de]")
            let switched = try await project.tradu(["plan", "-e", "dev"]).stdout
            #expect(switched.contains("  fr  block 0  language left the manifests"), "\(switched)")
            #expect(!switched.contains("no longer in the data"))
        }

        @Test func aPauseHoldsAPipelineWithoutCancellingAndResumeRestartsIt() async throws {
            let project = try await Project.make(documents: 10)
            try project.write(pricing: "{inputPerMillionTokens: 1, outputPerMillionTokens: 1}")
            try await project.tradu(["apply", "-e", "dev", "--auto-approve"])
            let pause = try await project.tradu(["pause", "-e", "dev", "--pipeline", "help", "-m", "vendor outage"])
            #expect(pause.stdout.contains("is paused (ana: vendor outage)"))
            #expect(
                try await project.tradu(["pause", "-e", "dev", "--pipeline", "help", "-m", "again"]).stdout.contains(
                    "already paused"))
            let held = try await project.tradu(["run", "-e", "dev"])
            #expect(held.stdout.contains("help: 10 blocks wait, held by Paused: paused by ana"), "\(held.stdout)")
            #expect(try await project.counts() == ["created": 10], "nothing started, nothing cancelled")
            let status = try await project.tradu(["status", "-e", "dev"])
            #expect(status.stdout.contains("paused by ana"))
            #expect(status.stdout.contains("Paused=True (PausedByOperator)"))
            #expect(
                try await project.tradu(["pause", "-e", "dev", "--pipeline", "nope", "-m", "x"], expect: 1).stderr
                    .contains(
                        "pipeline 'nope' is not applied"))

            try await project.tradu(["resume", "-e", "dev", "--pipeline", "help", "-m", "vendor back"])
            try await project.tradu(["run", "-e", "dev"])
            #expect(try await project.counts() == ["completed": 10])
            let actions = try await project.query("SELECT action, actor, reason FROM operator_actions ORDER BY id")
            #expect(actions.map { $0["action"]!! } == ["pause", "resume"])
            #expect(actions.map { $0["reason"]!! } == ["vendor outage", "vendor back"])
        }
    }
}
