import Testing

@testable import TraduCore

/// The planner with `rollout:`: a spec change starts a rollout instead of reprocessing everything; a running
/// rollout of the same spec is left alone; a rolled-back spec is held; a different spec supersedes the rollout.
@Suite struct RolloutPlanTests {
    typealias Fixtures = BlockPlannerTests
    let base = BlockPlannerTests()

    /// 100 records, one per block (maxRecords 1), in two languages, all completed under the baseline engine.
    func completedEnvironment(rollout: RolloutSpec?) -> (ExistingPipeline, [ExistingBlock], DesiredPipeline) {
        var pipeline = Fixtures.pipeline
        pipeline.rollout = rollout
        let sizing = BlockSizing(maxRecords: 1, maxBytes: 1 << 20)
        let first = BlockPlanner.plan(
            desired: [base.desired(records(0..<100), pipeline: pipeline, sizing: sizing)], existingPipelines: [],
            existingBlocks: [])
        var (pipelines, blocks) = base.applied(first)
        for index in blocks.indices { blocks[index].state = .completed }
        var engine = Fixtures.engine
        engine.prompt = "Keep a friendly tone."
        return (
            pipelines[0], blocks, base.desired(records(0..<100), engine: engine, pipeline: pipeline, sizing: sizing)
        )
    }

    @Test func aSpecChangeStartsARolloutAndTheApplyReprocessesNothing() {
        let (old, blocks, wanted) = completedEnvironment(rollout: RolloutSpec(steps: [0.05, 1]))
        let plan = BlockPlanner.plan(desired: [wanted], existingPipelines: [old], existingBlocks: blocks)
        let changes = plan.pipelines[0]
        #expect(changes.reprocess.count == 200, "the plan still lists every changed block")
        #expect(changes.reprocessedByApply.isEmpty)
        guard case .start(let first, let population, let characters)? = changes.rollout else {
            Issue.record("expected a rollout to start")
            return
        }
        #expect(first == 20, "5% of 200 = 10, raised to minBlocks 20")
        #expect(population == 200)
        #expect(characters > 0 && characters < changes.inputCharacters)
    }

    @Test func withoutRolloutTheApplyReprocessesEverything() {
        let (old, blocks, wanted) = completedEnvironment(rollout: nil)
        let plan = BlockPlanner.plan(desired: [wanted], existingPipelines: [old], existingBlocks: blocks)
        #expect(plan.pipelines[0].rollout == nil)
        #expect(plan.pipelines[0].reprocessedByApply.count == 200)
    }

    @Test func theSameSpecAsTheRunningRolloutChangesNothing() {
        var (old, blocks, wanted) = completedEnvironment(rollout: RolloutSpec(steps: [0.05, 1]))
        old.rollout = RolloutSnapshot(
            canarySpecHash: wanted.spec.hash, state: RolloutState(step: 0, stepStarted: true),
            spec: RolloutSpec(steps: [0.05, 1]))
        for index in blocks.indices.prefix(20) { blocks[index].specHash = wanted.spec.hash }
        let plan = BlockPlanner.plan(desired: [wanted], existingPipelines: [old], existingBlocks: blocks)
        #expect(!plan.hasChanges)
        #expect(plan.pipelines[0].rollout == .continuing(RolloutState(step: 0, stepStarted: true), steps: 2))
        #expect(plan.unchanged == 200)
    }

    @Test func aRolledBackSpecIsHeldWithItsReason() {
        var (old, blocks, wanted) = completedEnvironment(rollout: RolloutSpec(steps: [0.05, 1]))
        old.rollout = RolloutSnapshot(
            canarySpecHash: wanted.spec.hash,
            state: RolloutState(phase: .rolledBack, reason: "maxDataErrorRatio 0.3 > 0"),
            spec: RolloutSpec(steps: [0.05, 1]))
        let plan = BlockPlanner.plan(desired: [wanted], existingPipelines: [old], existingBlocks: blocks)
        #expect(!plan.hasChanges, "re-applying the same manifests must not start the failed rollout again")
        #expect(plan.pipelines[0].rollout == .held(reason: "maxDataErrorRatio 0.3 > 0"))
    }

    @Test func anotherSpecSupersedesTheRunningRollout() {
        var (old, blocks, wanted) = completedEnvironment(rollout: RolloutSpec(steps: [0.05, 1]))
        old.rollout = RolloutSnapshot(
            canarySpecHash: "some-other-spec", state: RolloutState(stepStarted: true), spec: RolloutSpec(steps: [1]))
        let plan = BlockPlanner.plan(desired: [wanted], existingPipelines: [old], existingBlocks: blocks)
        #expect(plan.pipelines[0].supersedesRollout)
        guard case .start? = plan.pipelines[0].rollout else {
            Issue.record("a new rollout starts afresh")
            return
        }
    }

    @Test func goingBackToTheCurrentSpecEndsTheRolloutWithoutReprocessing() {
        var (old, blocks, _) = completedEnvironment(rollout: RolloutSpec(steps: [0.05, 1]))
        old.rollout = RolloutSnapshot(
            canarySpecHash: "the-new-spec", state: RolloutState(stepStarted: true), spec: RolloutSpec(steps: [1]))
        for index in blocks.indices.prefix(20) { blocks[index].specHash = "the-new-spec" }
        var pipeline = Fixtures.pipeline
        pipeline.rollout = RolloutSpec(steps: [0.05, 1])
        let wanted = base.desired(
            records(0..<100), pipeline: pipeline, sizing: BlockSizing(maxRecords: 1, maxBytes: 1 << 20))
        let plan = BlockPlanner.plan(desired: [wanted], existingPipelines: [old], existingBlocks: blocks)
        #expect(plan.pipelines[0].supersedesRollout)
        #expect(plan.pipelines[0].reprocess.isEmpty, "the sample goes back to its current results")
        #expect(plan.hasChanges)
    }
}
