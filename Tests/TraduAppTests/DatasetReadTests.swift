import Foundation
import Testing
import TraduApp
import TraduCore
import TraduSources

/// Records are parsed on a thread of their own, batches ahead of the cutter: order, counts and the place of
/// a bad record must be exactly what a plain sequential read gives, across many batches.
@Suite struct DatasetReadTests {
    func projectWithABadRecord(at index: Int, of count: Int, policy: String?) async throws -> TestProject {
        let project = try await TestProject.make(documents: count)
        var lines = try String(contentsOfFile: project.manifests + "/data/docs.jsonl", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[index] = #"{"id": "doc-\#(index)", "text": "unterminated"#
        try lines.joined(separator: "\n").write(
            toFile: project.manifests + "/data/docs.jsonl", atomically: true, encoding: .utf8)
        if let policy {
            let path = project.manifests + "/project.yaml"
            let text = try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "  format: jsonl\n", with: "  format: jsonl\n  onInvalidRecord: \(policy)\n")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return project
    }

    @Test func aBadRecordDeepInALargeFileIsReportedAtItsLine() async throws {
        let project = try await projectWithABadRecord(at: 4_321, of: 6_000, policy: nil)
        let resolved = try project.planner.compile(directory: project.manifests, environment: "dev")
        do {
            _ = try await project.planner.readDatasets(resolved, erased: .none)
            Issue.record("a bad record must stop the plan")
        } catch TraduError.invalidData(let diagnostics) {
            #expect(diagnostics.count == 1)
            #expect(diagnostics.first?.range?.start.line == 4_322)
            #expect(diagnostics.first?.range?.start.file.hasSuffix("data/docs.jsonl") == true)
        }
    }

    @Test func skippedRecordsAreCountedAndTheOthersKeptInOrder() async throws {
        let project = try await projectWithABadRecord(at: 4_321, of: 6_000, policy: "skip")
        let resolved = try project.planner.compile(directory: project.manifests, environment: "dev")
        let cut = try #require(try await project.planner.readDatasets(resolved, erased: .none).first)
        #expect(cut.recordCount == 5_999)
        #expect(cut.skippedCount == 1)
        #expect(cut.skipped.first?.range?.start.line == 4_322)
        // The same blocks as a plain sequential read and cut: the cutter saw every record, in file order.
        let dataset = try #require(resolved.datasets["docs"])
        let stream = try await DatasetReader(dataset: dataset, projectRoot: project.root).open()
        var cutter = BlockCutter(sizing: BlockSizing(dataset))
        var sequential: [String] = []
        while let record = try stream.next() { cutter.add(record) { sequential.append($0.hash) } }
        if let last = cutter.finish() { sequential.append(last.hash) }
        #expect(cut.blocks.map(\.hash) == sequential)
        #expect(cut.blocks.reduce(0) { $0 + $1.recordCount } == 5_999)
    }
}
