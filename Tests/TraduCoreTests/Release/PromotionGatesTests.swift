import Testing
import TraduCore

/// `PromotionGates`: each gate passes and fails on its own measure, and every configured gate is reported.
@Suite struct PromotionGatesTests {
    static func evidence(
        total: Int = 100, completed: Int = 100, failed: Int = 0, active: Int = 0, errors: [String: Int] = [:],
        settled: Double? = 3600, approvals: [PromotionEvidence.Approval] = [], promoter: String = "ci",
        branch: PromotionEvidence.BranchCheck = .noCommit, rollouts: [String] = []
    ) -> PromotionEvidence {
        PromotionEvidence(
            sourceEnvironment: "staging", totalBlocks: total, completedBlocks: completed, failedBlocks: failed,
            activeBlocks: active, blocksWithErrors: errors, settledSeconds: settled, approvals: approvals,
            promoter: promoter, branch: branch, unsettledRollouts: rollouts)
    }

    static func gate(_ name: String, _ results: [GateResult]) -> GateResult? {
        results.first { $0.gate == name }
    }

    @Test func aHealthySourcePassesTheDefaultGates() {
        let results = PromotionGates.evaluate(.init(from: "staging"), Self.evidence())
        #expect(results.allSatisfy { $0.passed })
        #expect(results.map(\.gate) == ["minCompletedRatio", "maxFailedBlocks", "noUnsettledRollout"])
    }

    @Test func completedRatioAndFailedBlocksMeasureTheSource() {
        let policy = EnvironmentConfig.Promotion(from: "staging", minCompletedRatio: 0.99, maxFailedBlocks: 1)
        let results = PromotionGates.evaluate(policy, Self.evidence(completed: 98, failed: 2))
        let ratio = Self.gate("minCompletedRatio", results)!
        #expect(!ratio.passed)
        #expect(ratio.measured == "98% (98 of 100)")
        #expect(ratio.limit == "≥ 99%")
        let failed = Self.gate("maxFailedBlocks", results)!
        #expect(!failed.passed)
        #expect(failed.measured == "2")
    }

    @Test func anEmptySourceNeverPasses() {
        let results = PromotionGates.evaluate(
            .init(from: "staging", minCompletedRatio: 0), Self.evidence(total: 0, completed: 0))
        #expect(Self.gate("minCompletedRatio", results)?.passed == false)
    }

    @Test func errorRatiosAreJudgedPerClass() {
        let policy = EnvironmentConfig.Promotion(from: "staging", maxErrorRatio: ["data": 0.01, "capacity": 0.5])
        let results = PromotionGates.evaluate(policy, Self.evidence(errors: ["data": 2, "capacity": 10]))
        #expect(Self.gate("maxErrorRatio.data", results)?.passed == false)
        #expect(Self.gate("maxErrorRatio.data", results)?.measured == "2% (2 blocks)")
        #expect(Self.gate("maxErrorRatio.capacity", results)?.passed == true)
    }

    @Test func soakGivesTheTimeLeft() {
        let policy = EnvironmentConfig.Promotion(from: "staging", minSoak: .seconds(3600))
        let waiting = Self.gate("minSoak", PromotionGates.evaluate(policy, Self.evidence(settled: 600)))!
        #expect(!waiting.passed)
        #expect(waiting.detail == "50m00s left")
        #expect(Self.gate("minSoak", PromotionGates.evaluate(policy, Self.evidence(settled: 3600)))?.passed == true)
        let unsettled = Self.gate("minSoak", PromotionGates.evaluate(policy, Self.evidence(active: 3, settled: nil)))!
        #expect(!unsettled.passed)
        #expect(unsettled.detail.contains("3 blocks of staging are not final"))
    }

    @Test func theApproverMustNotBeThePromoter() {
        let policy = EnvironmentConfig.Promotion(from: "staging", requireApproval: true)
        let own = PromotionEvidence.Approval(by: "alice", at: "t", message: "ok")
        let selfApproved = Self.gate(
            "requireApproval", PromotionGates.evaluate(policy, Self.evidence(approvals: [own], promoter: "alice")))!
        #expect(!selfApproved.passed)
        #expect(selfApproved.detail.contains("approved only by alice, who is promoting"))
        #expect(
            Self.gate(
                "requireApproval", PromotionGates.evaluate(policy, Self.evidence(approvals: [own], promoter: "ci")))?
                .passed == true)
        var lenient = policy
        lenient.allowSelfApproval = true
        #expect(
            Self.gate(
                "requireApproval", PromotionGates.evaluate(lenient, Self.evidence(approvals: [own], promoter: "alice")))?
                .passed == true)
        #expect(Self.gate("requireApproval", PromotionGates.evaluate(policy, Self.evidence()))?.passed == false)
    }

    @Test func branchesNeedARecordedCommitOnAnAllowedBranch() {
        let policy = EnvironmentConfig.Promotion(from: "staging", allowedBranches: ["main"])
        #expect(Self.gate("allowedBranches", PromotionGates.evaluate(policy, Self.evidence()))?.passed == false)
        #expect(
            Self.gate("allowedBranches", PromotionGates.evaluate(policy, Self.evidence(branch: .onBranch("main"))))?
                .passed == true)
        #expect(
            Self.gate(
                "allowedBranches", PromotionGates.evaluate(policy, Self.evidence(branch: .notOnAllowedBranches)))?
                .passed == false)
    }

    @Test func anUnsettledRolloutHoldsThePromotion() {
        let result = Self.gate(
            "noUnsettledRollout", PromotionGates.evaluate(.init(from: "staging"), Self.evidence(rollouts: ["legal"])))!
        #expect(!result.passed)
        #expect(result.measured == "legal")
    }
}
