import Foundation
import Testing

/// The queue-depth query KEDA's postgresql trigger runs (`deploy/kubernetes/base/keda-scaledobject.yaml`), against a
/// real PostgreSQL with a known backlog: it answers the blocks not done yet, from the counts the leading controller
/// maintains, and 0 once everything is final.
extension ProcessHeavyTests {
    @Suite struct QueueDepthQueryTests {
        /// The query as the ScaledObject holds it, for the environment `dev`.
        static func query() async throws -> String {
            let file = RepositoryPaths.root + "/deploy/kubernetes/base/keda-scaledobject.yaml"
            let result = try await CommandLineTests.execute(
                "/usr/bin/env",
                [
                    "python3", "-c",
                    "import sys, yaml; d = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d['kind'] == 'ScaledObject'); print(d['spec']['triggers'][0]['metadata']['query'])",
                    file,
                ], in: RepositoryPaths.root, environment: ProcessInfo.processInfo.environment)
            try #require(result.status == 0, "\(result.stderr)")
            let query = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            try #require(query.contains("tradu_prod.pipeline_status"))
            return query.replacingOccurrences(of: "tradu_prod.", with: "tradu_dev.")
        }

        @Test func theQueueDepthIsTheBlocksNotDoneFromTheMaintainedCounts() async throws {
            let query = try await Self.query()
            let project = try await TestProject.runtime(documents: 30, maxRecords: 1)
            try await project.apply()
            func depth() async throws -> Int? {
                try await project.query(query).first?.values.first.flatMap { $0 }.flatMap { Int($0) }
            }
            #expect(try await depth() == 0, "no controller has counted yet: nothing to scale for")
            let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
            defer { controller.kill9() }
            try await eventually("the controller's counts give the whole backlog") { try await depth() == 30 }
            let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "4"], in: project)
            defer { worker.kill9() }
            try await eventually("every block completes") { try await project.counts() == ["completed": 30] }
            try await eventually("the queue is empty: scale in") { try await depth() == 0 }
            let plan = try await project.query("EXPLAIN \(query)")
            let text = plan.compactMap { $0.values.first ?? nil }.joined(separator: "\n")
            #expect(!text.contains("blocks"), "the query never reads blocks: \(text)")
        }
    }
}
