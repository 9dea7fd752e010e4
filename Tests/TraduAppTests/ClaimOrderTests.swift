import Foundation
import Testing
import TraduStore

/// Workers claim in the rotator's order, whatever the order in which pipelines were applied.
@Suite struct ClaimOrderTests {
    /// Without a cap the rotator enqueues every block at once, both pipelines in one rotation. A pipeline applied
    /// after another's backlog then runs beside it; when claims went by the time a block was planned, it waited
    /// for the whole backlog (its first block completed 41st of 80 here).
    @Test func aPipelineAppliedLaterIsNotHeldBehindAnEarlierBacklog() async throws {
        let project = try await TestProject.make(documents: 40)
        /// The project's dataset cut one document a block, and `pipelines` on the pseudo engine.
        func manifests(pipelines: [(name: String, language: String)]) throws {
            try project.writeManifests(maxRecords: 1, withPipeline: false)
            var text = try String(contentsOfFile: project.manifests + "/project.yaml", encoding: .utf8)
            text += "---\n" + "apiVersion: tradu/v1\nkind: Engine\nmetadata: {name: local}\nspec: {type: pseudo}\n"
            for pipeline in pipelines {
                text +=
                    "---\napiVersion: tradu/v1\nkind: Pipeline\nmetadata: {name: \(pipeline.name)}\n"
                    + "spec: {dataset: docs, engine: local, targetLanguages: [\(pipeline.language)]}\n"
            }
            try text.write(toFile: project.manifests + "/project.yaml", atomically: true, encoding: .utf8)
        }
        try manifests(pipelines: [("backlog", "fr")])
        try await project.apply()
        // Planned a while before the second pipeline.
        try await Task.sleep(for: .milliseconds(50))
        try manifests(pipelines: [("backlog", "fr"), ("later", "de")])
        try await project.apply()
        let run = try await CommandLineTests.run(
            ["run", "-e", "dev", "--concurrency", "1"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr)")
        let order = try await project.query(
            """
            SELECT b.pipeline FROM \(EventLogSQL.everyEvent()) e JOIN blocks b ON b.id = e.block_id
            WHERE e.to_state = 'completed' ORDER BY e.id
            """
        ).compactMap { $0["pipeline"] ?? nil }
        #expect(order.count == 80)
        let firstLater = try #require(order.firstIndex(of: "later"))
        #expect(firstLater < 20, "the first block of `later` completed at \(firstLater): \(order)")
    }
}
