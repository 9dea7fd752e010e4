import Testing
import TraduCore
import TraduStore

@testable import TraduApp

/// Above a million blocks `tradu status` shows the counts the controller maintains, with their age, instead of
/// counting every block.
@Suite struct StatusCountsTests {
    private func row(_ pipeline: String, _ counts: String, at: String?) -> PipelineStatusRow {
        PipelineStatusRow(pipeline: pipeline, counts: counts, conditions: "[]", observedGeneration: 1, updatedAt: at)
    }

    @Test func theControllersCountsAreReadWithTheAgeOfTheOldest() throws {
        let statuses = [
            "a": row("a", #"{"completed": 5, "enqueued": 2}"#, at: "2026-11-28T10:00:05Z"),
            "b": row("b", #"{"created": 7}"#, at: "2026-11-28T10:00:01Z"),
        ]
        let (counts, asOf) = try #require(OperatorService.maintainedCounts(statuses, pipelines: ["a", "b"]))
        #expect(counts["a"] == [.completed: 5, .enqueued: 2])
        #expect(counts["b"] == [.created: 7])
        #expect(asOf == "2026-11-28T10:00:01Z")
        let report = StatusReport(
            environment: "prod", counts: counts, countsAsOf: asOf, completedLastMinute: [:], statuses: statuses)
        #expect(report.text.contains("counts: the controller's, as of 2026-11-28T10:00:01Z"))
        #expect(report.json["countsAsOf"]?.stringValue == asOf)
    }

    @Test func aPipelineWithoutControllerCountsMeansCountingEveryBlock() {
        let statuses = ["a": row("a", #"{"completed": 5}"#, at: "2026-11-28T10:00:05Z")]
        #expect(OperatorService.maintainedCounts(statuses, pipelines: ["a", "new"]) == nil)
        #expect(OperatorService.maintainedCounts(["a": row("a", "{}", at: nil)], pipelines: ["a"]) == nil)
    }
}
