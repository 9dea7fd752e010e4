import Foundation
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

extension ProcessHeavyTests {
    /// `mode: batch` end to end: real `tradu` processes and PostgreSQL, and a fake of OpenAI's Files and Batches API
    /// on 127.0.0.1 (`fake_batch_api.py`) that counts how often each request was submitted and answered (paid).
    @Suite(.serialized) struct ProviderBatchTests {
        final class FakeBatchAPI {
            let process: Process
            let port: Int
            let stats: String

            init(_ arguments: [String], directory: String) throws {
                stats = directory + "/fake-stats.json"
                process = Process()
                process.executableURL = URL(fileURLWithPath: TestProject.python)
                process.arguments =
                    [
                        RepositoryPaths.root + "/Tests/TraduAppTests/Fixtures/engines/fake_batch_api.py", "--stats",
                        stats,
                    ]
                    + arguments
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                let deadline = Date().addingTimeInterval(10)
                var port = 0
                while port == 0, Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.05)
                    port =
                        (try? JSONDecoder().decode(Port.self, from: Data(contentsOf: URL(fileURLWithPath: stats))))?
                        .port ?? 0
                }
                self.port = port
            }

            private struct Port: Decodable { var port: Int }

            deinit {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }

            struct Stats: Decodable {
                var batchesCreated: Int
                var submitted: [String: Int]
                var answered: [String: Int]
                var linesPerBatch: [Int]
            }

            func read() throws -> Stats {
                try JSONDecoder().decode(Stats.self, from: Data(contentsOf: URL(fileURLWithPath: stats)))
            }
        }

        struct Project {
            let project: TestProject
            let api: FakeBatchAPI

            static func make(documents: Int = 8, fake: [String] = [], maxAttempts: Int = 3) async throws -> Project {
                let project = try await TestProject.articles(documents)
                let api = try FakeBatchAPI(fake, directory: project.root)
                try """
                apiVersion: tradu/v1
                kind: Environment
                metadata: {name: dev}
                spec: {}
                ---
                apiVersion: tradu/v1
                kind: Dataset
                metadata: {name: articles}
                spec: {source: {path: data/articles.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 2}}
                ---
                apiVersion: tradu/v1
                kind: RetryPolicy
                metadata: {name: once}
                spec: {maxAttempts: \(maxAttempts), backoff: {initial: 100ms, max: 1s}}
                ---
                apiVersion: tradu/v1
                kind: Engine
                metadata: {name: llm}
                spec:
                  type: openai
                  model: fr
                  endpoint: http://127.0.0.1:\(api.port)/v1
                  mode: batch
                  batch: {pollInterval: 200ms}
                  pricing: {inputPerMillionTokens: 2, outputPerMillionTokens: 8}
                ---
                apiVersion: tradu/v1
                kind: Pipeline
                metadata: {name: help}
                spec:
                  dataset: articles
                  engine: llm
                  targetLanguages: [fr]
                  retryPolicy: once

                """.write(toFile: project.root + "/manifests/project.yaml", atomically: true, encoding: .utf8)
                return Project(project: project, api: api)
            }

            @discardableResult
            func tradu(_ arguments: [String], expect status: Int32? = 0) async throws -> CommandLineTests.Run {
                let run = try await CommandLineTests.run(arguments, in: project.root, database: project.databaseURL)
                if let status {
                    #expect(run.status == status, "tradu \(arguments.joined(separator: " ")): \(run.stderr)")
                }
                return run
            }

            func query(_ sql: String) async throws -> [[String: String?]] { try await project.query(sql) }

            func counts() async throws -> [String: Int] {
                try await query("SELECT state, count(*) AS n FROM blocks GROUP BY state").reduce(into: [:]) {
                    $0[$1["state"]!!] = Int($1["n"]!!)
                }
            }

            /// Every document's translation, by id.
            func translations() async throws -> [String: String] {
                var translations: [String: String] = [:]
                for row in try await query("SELECT records FROM results") {
                    for line in row["records"]!!.split(separator: "\n") {
                        let object = try #require(
                            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
                        translations[object["id"]!] = object["translation"]!
                    }
                }
                return translations
            }
        }

        @Test func blocksGoThroughABatchAtTheBatchPrice() async throws {
            let project = try await Project.make()
            try await project.tradu(["up", "-e", "dev"])
            #expect(try await project.counts() == ["completed": 4])
            let translations = try await project.translations()
            #expect(translations.count == 8)
            #expect(translations["a-3"] == "[fr] Article 3 explains the {product} settings page.")
            let stats = try project.api.read()
            #expect(stats.submitted.count == 4 && stats.submitted.values.allSatisfy { $0 == 1 })
            #expect(stats.answered.values.allSatisfy { $0 == 1 })
            let batches = try await project.query(
                "SELECT phase, provider_status, provider_id, note FROM provider_batches")
            #expect(!batches.isEmpty && batches.allSatisfy { $0["phase"] == "ended" })
            // Each batch was submitted and completed, or gathered into another before its first submission.
            let submitted = batches.filter { ($0["provider_id"] ?? nil) != nil }
            #expect(!submitted.isEmpty && submitted.allSatisfy { $0["provider_status"] == "completed" })
            #expect(
                batches.filter { ($0["provider_id"] ?? nil) == nil }.allSatisfy {
                    ($0["note"] ?? nil)?.hasPrefix("gathered into ") == true
                }, "\(batches)")
            #expect(submitted.count == (try project.api.read()).batchesCreated)
            // Half price: cost = (2 × input + 8 × output) / 2 micros.
            let spend = try await project.query(
                "SELECT sum(input_tokens) AS i, sum(output_tokens) AS o, sum(cost_micros) AS c FROM spend")[0]
            let input = Int64(spend["i"]!!)!
            let output = Int64(spend["o"]!!)!
            #expect(input > 0)
            #expect(Int64(spend["c"]!!)! == (input * 2 + output * 8) / 2, "the batch discount is applied")
            let events = try await project.query(
                "SELECT count(*) AS n FROM block_events WHERE reason = 'sent to a provider batch'")[0]
            #expect(events["n"]!! == "4", "each block's trace shows its handover to the batch")
        }

        @Test func requestsTheErrorFileRefusesFailTheirBlocks() async throws {
            let project = try await Project.make(fake: ["--mode", "partial"], maxAttempts: 1)
            try await project.tradu(["up", "-e", "dev"], expect: 4)
            let counts = try await project.counts()
            #expect(counts["failed"] == 2 && counts["completed"] == 2, "every other request refused: \(counts)")
            let failed = try await project.query("SELECT error_class, last_error FROM blocks WHERE state = 'failed'")
            for row in failed {
                #expect(row["error_class"]!! == "logic", "a 400 is a logic error, as for a synchronous request")
                #expect(row["last_error"]!!.contains("refused by the fake"), "\(row["last_error"]!!)")
            }
        }

        @Test func anExpiredBatchKeepsWhatFinishedAndResubmitsOnlyTheRest() async throws {
            let project = try await Project.make(fake: ["--mode", "expire"])
            try await project.tradu(["up", "-e", "dev"])
            #expect(try await project.counts() == ["completed": 4])
            let stats = try project.api.read()
            #expect(stats.batchesCreated >= 2)
            #expect(stats.answered.count == 4 && stats.answered.values.allSatisfy { $0 == 1 }, "nothing paid twice")
            // The first batch answered its even lines; only its odd lines were submitted again.
            let resubmitted = stats.submitted.filter { $0.value == 2 }.count
            #expect(resubmitted == stats.linesPerBatch[0] / 2, "\(stats.linesPerBatch)")
            #expect(stats.submitted.values.allSatisfy { $0 <= 2 })
            let expired = try await project.query(
                "SELECT count(*) AS n FROM provider_batches WHERE provider_status = 'expired'")[0]
            #expect(expired["n"]!! == "1")
            let translations = try await project.translations()
            #expect(translations.count == 8 && translations.values.allSatisfy { $0.hasPrefix("[fr] ") })
        }

        /// Killed while the provider creates the batch (the batch exists, its id was never recorded), then killed
        /// again while the batch runs: the next process finds the batch by its submission key, waits for it and
        /// downloads it. One batch, every request submitted and paid once, every block completed.
        @Test func aWorkerKilledBetweenSubmitAndDownloadLosesNothingAndSubmitsNothingTwice() async throws {
            let hold = NSTemporaryDirectory() + "tradu-hold-\(UUID().uuidString)"
            FileManager.default.createFile(atPath: hold, contents: Data())
            defer { try? FileManager.default.removeItem(atPath: hold) }
            let project = try await Project.make(fake: ["--create-delay", "4", "--hold", hold])
            func start() throws -> TraduProcess { try TraduProcess(["up", "-e", "dev"], in: project.project) }
            func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
                let deadline = ContinuousClock.now + .seconds(60)
                while try await !condition() {
                    try #require(ContinuousClock.now < deadline, "timed out waiting for \(what)")
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            let first = try start()
            try await waitFor("the batch to be created") { (try? project.api.read().batchesCreated) == 1 }
            first.kill9()
            let unrecorded = try await project.query(
                "SELECT 1 FROM provider_batches WHERE create_attempted_at IS NOT NULL AND provider_id IS NULL")
            #expect(unrecorded.count == 1, "killed before recording the created batch's id")

            let second = try start()
            try await waitFor("the batch to be found again") {
                try await project.query(
                    "SELECT 1 FROM provider_batches WHERE create_attempted_at IS NOT NULL AND provider_id IS NULL"
                ).isEmpty
            }
            second.kill9()
            let status = try await project.tradu(["status", "-e", "dev"])
            #expect(status.stdout.contains("4 of the in_process blocks wait in provider batches"), "\(status.stdout)")

            try FileManager.default.removeItem(atPath: hold)
            try await project.tradu(["up", "-e", "dev"])
            #expect(try await project.counts() == ["completed": 4])
            let stats = try project.api.read()
            // Under load the handovers may form more than one batch; none is ever created twice.
            let recorded = try await project.query(
                "SELECT count(DISTINCT provider_id) AS n FROM provider_batches WHERE provider_id IS NOT NULL")[0]
            #expect(String(stats.batchesCreated) == recorded["n"]!!, "every batch created is the one recorded")
            #expect(stats.submitted.count == 4 && stats.submitted.values.allSatisfy { $0 == 1 })
            #expect(stats.answered.count == 4 && stats.answered.values.allSatisfy { $0 == 1 })
            #expect(try await project.translations().count == 8)
        }
    }
}
