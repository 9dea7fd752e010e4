import Testing
import TraduCore

/// `RolloutAnalysis`: each figure measured as documented, on the same blocks, against its limit.
@Suite struct RolloutAnalysisTests {
    static func version(_ translations: [String], tokens: Int64 = 100, hits: Int = 0) -> ResultVersion {
        ResultVersion(
            inputTokens: tokens / 2, outputTokens: tokens / 2, memoryHits: hits,
            records: translations.enumerated().map { .init(id: "d\($0.offset)", source: "s", translation: $0.element) })
    }

    static func completed(_ id: String, new: ResultVersion, old: ResultVersion) -> RolloutSampleBlock {
        RolloutSampleBlock(blockID: id, state: .completed, canary: new, baseline: old)
    }

    @Test func ratiosCountFinalBlocksAndLeaveCancelledOnesOut() {
        var sample = (0..<18).map { Self.completed("b\($0)", new: Self.version(["x"]), old: Self.version(["x"])) }
        sample.append(RolloutSampleBlock(blockID: "f1", state: .failed, errorClass: "data"))
        sample.append(RolloutSampleBlock(blockID: "f2", state: .failed, errorClass: "capacity"))
        sample.append(RolloutSampleBlock(blockID: "c", state: .cancelled))
        let verdict = RolloutAnalysis.evaluate(
            .init(minBlocks: 20, maxFailedRatio: 0.1, maxDataErrorRatio: 0.01), sample: sample)
        #expect(verdict.blocks == 20)
        #expect(verdict.figures[0].measured == 0.1 && verdict.figures[0].passed)
        #expect(verdict.figures[1].measured == 0.05 && !verdict.figures[1].passed)
        #expect(verdict.outcome == .failed(verdict.figures[1]))
        #expect(verdict.summary == "maxDataErrorRatio 0.05 > 0.01")
    }

    @Test func tokenRatioUsesOnlyBlocksWhoseBothResultsTheEngineMade() {
        let sample = [
            Self.completed("a", new: Self.version(["x"], tokens: 300), old: Self.version(["x"], tokens: 100)),
            // The old result came from memory: its few tokens would make the new spec look three times dearer.
            Self.completed("b", new: Self.version(["x"], tokens: 300), old: Self.version(["x"], tokens: 10, hits: 1)),
            Self.completed("c", new: Self.version(["x"], tokens: 100), old: Self.version(["x"], tokens: 100)),
        ]
        let verdict = RolloutAnalysis.evaluate(
            .init(minBlocks: 1, maxFailedRatio: nil, maxDataErrorRatio: nil, maxTokenRatio: 1.5), sample: sample)
        #expect(verdict.figures.count == 1)
        #expect(verdict.figures[0].measured == 2.0, "(300 + 100) / (100 + 100)")
        #expect(verdict.summary == "maxTokenRatio 2 > 1.5")
    }

    @Test func lengthDriftIsTheMedianPerRecordAgainstTheSameRecord() {
        let sample = [
            Self.completed("a", new: Self.version(["aaaa", "bb", "cccccc"]), old: Self.version(["aa", "bb", "ccc"])),
            Self.completed("b", new: Self.version(["d"]), old: Self.version([""])),
        ]
        let verdict = RolloutAnalysis.evaluate(
            .init(minBlocks: 1, maxFailedRatio: nil, maxDataErrorRatio: nil, maxLengthDrift: 0.5), sample: sample)
        // Drifts 1, 0, 1 (the empty current translation is skipped): median 1.
        #expect(verdict.figures[0].measured == 1)
        #expect(verdict.figures[0].note == "median over 3 records")
        #expect(!verdict.passed)
    }

    @Test func aRejectingCheckFailsWithItsMessage() {
        let sample = (0..<3).map { Self.completed("b\($0)", new: Self.version(["x"]), old: Self.version(["x"])) }
        let verdict = RolloutAnalysis.evaluate(
            .init(minBlocks: 3), sample: sample, check: CheckVerdict(passed: false, message: "term 'Konto' missing"))
        #expect(verdict.summary == "check: term 'Konto' missing")
    }

    @Test func fewerThanMinBlocksIsNoVerdict() {
        let sample = [Self.completed("a", new: Self.version(["x"]), old: Self.version(["x"]))]
        let verdict = RolloutAnalysis.evaluate(.init(minBlocks: 20), sample: sample)
        guard case .inconclusive(let reason) = verdict.outcome else {
            Issue.record("expected no verdict")
            return
        }
        #expect(reason.contains("only 1 final blocks, fewer than minBlocks 20"))
    }

    @Test func nothingMeasurableIsNotAFailure() {
        let sample = [RolloutSampleBlock(blockID: "a", state: .completed, canary: Self.version(["x"]), baseline: nil)]
        let verdict = RolloutAnalysis.evaluate(
            .init(minBlocks: 1, maxTokenRatio: 1.5, maxLengthDrift: 0.3), sample: sample)
        #expect(verdict.passed)
        #expect(verdict.figures.filter { $0.measured == nil }.count == 2)
    }
}
