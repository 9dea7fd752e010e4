import Foundation
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

extension ProcessHeavyTests {
    /// Sentence-level translation memory end to end: real `tradu` processes, a real PostgreSQL, and a command
    /// engine that writes down every segment it is sent (`logging_translator.py`).
    @Suite(.serialized) struct SentenceMemoryTests {
        static let boilerplate = "This package contains the development files."

        /// Documents that share sentences, with the whitespace and lists real descriptions have.
        static func documents(_ range: Range<Int>) -> [(id: String, text: String)] {
            range.map { index in
                let text =
                    index % 2 == 0
                    ? "Library number \(index) parses YAML.  It is fast.\n\n\(boilerplate)\n"
                    : "Tool \(index) converts files.\nFeatures:\n * fast\n * small\n\n\(boilerplate) It is fast."
                return (id: "p-\(index)", text: text)
            }
        }

        static func write(
            _ documents: [(id: String, text: String)], project: TestProject, log: String, maxRecords: Int = 2,
            segmentation: String = "sentence"
        ) throws {
            var lines = ""
            for document in documents {
                let object = try JSONSerialization.data(withJSONObject: ["id": document.id, "text": document.text])
                lines += String(decoding: object, as: UTF8.self) + "\n"
            }
            try lines.write(toFile: project.root + "/manifests/data/packages.jsonl", atomically: true, encoding: .utf8)
            let engine = RepositoryPaths.root + "/Tests/TraduAppTests/Fixtures/engines/logging_translator.py"
            try """
            apiVersion: tradu/v1
            kind: Environment
            metadata: {name: dev}
            spec: {}
            ---
            apiVersion: tradu/v1
            kind: Dataset
            metadata: {name: packages}
            spec: {source: {path: data/packages.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: \(maxRecords)}}
            ---
            apiVersion: tradu/v1
            kind: Engine
            metadata: {name: local}
            spec:
              type: command
              command: ["\(TestProject.python)", "\(engine)", "--log", "\(log)"]
              maxSegmentsPerRequest: 100
            ---
            apiVersion: tradu/v1
            kind: Pipeline
            metadata: {name: docs}
            spec:
              dataset: packages
              engine: local
              targetLanguages: [fr]
              segmentation: \(segmentation)

            """.write(toFile: project.root + "/manifests/project.yaml", atomically: true, encoding: .utf8)
        }

        /// What the engine was sent, one text per segment.
        static func sent(_ log: String) throws -> [String] {
            guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])["text"]!
            }
        }

        @Test func repeatedSentencesComeFromMemoryAndDocumentsReassembleByteForByte() async throws {
            let project = try await TestProject.articles(0)
            let log = project.root + "/engine.log"
            try Self.write(Self.documents(0..<4), project: project, log: log)
            func tradu(_ arguments: [String], expect status: Int32 = 0) async throws -> CommandLineTests.Run {
                let run = try await CommandLineTests.run(arguments, in: project.root, database: project.databaseURL)
                #expect(run.status == status, "tradu \(arguments.joined(separator: " ")): \(run.stderr)")
                return run
            }

            let plan = try await tradu(["plan", "-e", "dev"])
            #expect(plan.stdout.contains("% from memory: repeats in the data"), "\(plan.stdout)")
            let first = try await tradu(["up", "-e", "dev"])
            #expect(first.stdout.contains("sentences translated"), "\(first.stdout)")
            let firstSent = try Self.sent(log)
            #expect(!firstSent.contains { $0.contains("\n\n") || $0.hasSuffix(" ") }, "sentences, not documents")
            #expect(firstSent.contains(Self.boilerplate))
            #expect(
                firstSent.contains("fast") && !firstSent.contains { $0.contains("* ") }, "list items, without marker")

            // Every document is the source with each sentence replaced by its translation, every other byte kept.
            func expectedTranslation(_ text: String) -> String {
                SentenceSplitter.split(text).map { $0.kind == .sentence ? "[fr] \($0.text)" : $0.text }.joined()
            }
            func checkResults(_ documents: [(id: String, text: String)]) async throws {
                let rows = try await project.query(
                    "SELECT r.records FROM results r JOIN blocks b ON b.id = r.block_id AND b.result_spec = r.spec_hash"
                )
                var translations: [String: String] = [:]
                for row in rows {
                    for line in row["records"]!!.split(separator: "\n") {
                        let object = try #require(
                            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
                        translations[object["id"]!] = object["translation"]!
                    }
                }
                for document in documents {
                    #expect(translations[document.id] == expectedTranslation(document.text), "\(document.id)")
                }
            }
            try await checkResults(Self.documents(0..<4))

            // New documents made of sentences translated before: the engine sees only the new ones.
            try Self.write(Self.documents(0..<8), project: project, log: log)
            try FileManager.default.removeItem(atPath: log)
            try await tradu(["up", "-e", "dev"])
            let secondSent = try Self.sent(log)
            #expect(!secondSent.isEmpty)
            for text in secondSent {
                #expect(!firstSent.contains(text), "'\(text)' was translated in the first run: memory serves it")
            }
            #expect(!secondSent.contains(Self.boilerplate))
            try await checkResults(Self.documents(0..<8))

            let status = try await tradu(["status", "-e", "dev"])
            #expect(status.stdout.contains("sentences: "), "\(status.stdout)")
            let counts = try await project.query(
                "SELECT sum(segments_translated) AS t, sum(segments_reused) AS r FROM spend")[0]
            #expect(Int(counts["t"]!!) == firstSent.count + secondSent.count, "every sentence sent is counted")
            #expect(Int(counts["r"]!!)! > 0)
            #expect(status.stdout.contains("sentences: \(firstSent.count + secondSent.count) translated"))
        }

        /// Blocks of one document translated whole: each result stands as the memory's entry for its document
        /// (migration 26), no `translation_memory` row is written, and a document repeated under another id later
        /// comes from those results, not from the engine. Erasing a document makes the memory forget its text.
        @Test func wholeDocumentsComeFromMemoryKeptInTheirResults() async throws {
            let project = try await TestProject.articles(0)
            let log = project.root + "/engine.log"
            let first = Self.documents(0..<4)
            try Self.write(first, project: project, log: log, maxRecords: 1, segmentation: "document")
            func tradu(_ arguments: [String]) async throws {
                let run = try await CommandLineTests.run(arguments, in: project.root, database: project.databaseURL)
                #expect(run.status == 0, "tradu \(arguments.joined(separator: " ")): \(run.stderr)")
            }
            try await tradu(["up", "-e", "dev"])
            #expect(try Self.sent(log).sorted() == first.map(\.text).sorted(), "each document sent whole, once")
            let kept = try await project.query(
                "SELECT count(*) FILTER (WHERE memory_key IS NOT NULL) AS n, count(*) AS total FROM results")[0]
            #expect(kept["n"]!! == "4" && kept["total"]!! == "4", "every result stands as its document's entry")
            let rows = try await project.query("SELECT count(*) AS n FROM translation_memory")
            #expect(rows[0]["n"]!! == "0", "the translations are not stored a second time")

            // The same texts under new ids, and one new text: only the new text reaches the engine.
            let repeated = first.map { (id: $0.id + "-again", text: $0.text) }
            let fresh = (id: "p-new", text: "A new package with a new description.")
            try Self.write(
                first + repeated + [fresh], project: project, log: log, maxRecords: 1, segmentation: "document")
            try FileManager.default.removeItem(atPath: log)
            try await tradu(["up", "-e", "dev"])
            #expect(try Self.sent(log) == [fresh.text], "the repeated documents come from memory")
            var translations: [String: String] = [:]
            for row in try await project.query("SELECT records FROM results") {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(row["records"]!!.utf8)) as? [String: String])
                translations[object["id"]!] = object["translation"]!
            }
            for document in first {
                #expect(translations[document.id + "-again"] == translations[document.id], "\(document.id)")
                #expect(translations[document.id] == "[fr] " + document.text, "\(document.id)")
            }
            let hits = try await project.query("SELECT sum(memory_hits) AS n FROM results")[0]
            #expect(hits["n"]!! == "4")

            // Erasing one document makes the memory forget its text, whichever results hold it.
            let standing = try await project.query(
                "SELECT count(*) AS n FROM results WHERE memory_key IS NOT NULL")[0]
            #expect(standing["n"]!! == "5", "the four first results and the new one's; a hit writes no entry")
            let service = try await OperatorService.locate(
                directory: project.manifests, environment: "dev", resolver: project.resolver, logger: project.logger,
                projectRoot: project.root)
            let outcome = try await service.erase(
                dataset: "packages", ids: [first[1].id], actor: "dpo@example.com", reason: "request 7")
            #expect(outcome.memoryEntries == 1, "the erased document's result held its text")
            let left = try await project.query("SELECT count(*) AS n FROM results WHERE memory_key IS NOT NULL")[0]
            #expect(left["n"]!! == "4")
            let erasedKey = try await project.query(
                "SELECT count(*) AS n FROM results WHERE memory_key IS NOT NULL AND records LIKE '%\(first[1].id)\"%'")
            #expect(erasedKey[0]["n"]!! == "0")
        }
    }
}
