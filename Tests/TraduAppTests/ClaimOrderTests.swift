import Foundation
import Testing

/// Workers claim in the rotator's order, whatever the order in which pipelines were applied.
@Suite struct ClaimOrderTests {
    /// Without a cap the rotator enqueues every block at once, both pipelines in one rotation. A pipeline applied
    /// after another's backlog then runs beside it; when claims went by the time a block was planned, it waited
    /// for the whole backlog (its first block completed 41st of 80 here).
    @Test func aPipelineAppliedLaterIsNotHeldBehindAnEarlierBacklog() async throws {
        let project = try await TestProject.make(documents: 40)
        func manifests(pipelines: [(name: String, language: String)]) throws {
            var text = """
                apiVersion: tradu/v1
                kind: Environment
                metadata: {name: dev}
                spec: {}
                ---
                apiVersion: tradu/v1
                kind: Dataset
                metadata: {name: docs}
                spec: {source: {path: data/docs.jsonl}, format: jsonl, sourceLanguage: en, blocks: {maxRecords: 1}}
                ---
                apiVersion: tradu/v1
                kind: Engine
                metadata: {name: local}
                spec: {type: pseudo}

                """
            for pipeline in pipelines {
                text += """
                    ---
                    apiVersion: tradu/v1
                    kind: Pipeline
                    metadata: {name: \(pipeline.name)}
                    spec: {dataset: docs, engine: local, targetLanguages: [\(pipeline.language)]}

                    """
            }
            try text.write(toFile: project.manifests + "/project.yaml", atomically: true, encoding: .utf8)
        }
        try manifests(pipelines: [("backlog", "fr")])
        try await project.apply()
        // Planned a while before the second pipeline.
        try await Task.sleep(for: .milliseconds(50))
        try manifests(pipelines: [("backlog", "fr"), ("later", "de")])
        try await project.apply()
        let run = try CommandLineTests.run(
            ["run", "-e", "dev", "--concurrency", "1"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr)")
        let order = try await project.query(
            """
            SELECT b.pipeline FROM block_events e JOIN blocks b ON b.id = e.block_id
            WHERE e.to_state = 'completed' ORDER BY e.id
            """
        ).compactMap { $0["pipeline"] ?? nil }
        #expect(order.count == 80)
        let firstLater = try #require(order.firstIndex(of: "later"))
        #expect(firstLater < 20, "the first block of `later` completed at \(firstLater): \(order)")
    }
}
