import Foundation
import Testing
import TraduApp
import TraduCore
import TraduTestSupport

@testable import TraduStore

/// Plan and apply against a real PostgreSQL, through the application services.
@Suite struct PlanApplyTests {
    @Test func planningTwiceGivesTheSameIdsAndDigest() async throws {
        let project = try await TestProject.make()
        let first = try await project.plan()
        let second = try await project.plan()
        #expect(first.planDigest == second.planDigest)
        #expect(first.blockPlan.pipelines[0].additions.map(\.id) == second.blockPlan.pipelines[0].additions.map(\.id))
        #expect(first.blockPlan.toAdd > 0)
    }

    @Test func applyThenReplanIsANoOpAndASecondApplyRecordsNoRevision() async throws {
        let project = try await TestProject.make()
        let (planned, revision) = try await project.apply()
        #expect(revision?.number == 1)
        let store = try await project.store()
        let blocks = try await store.blocks()
        #expect(blocks.count == planned.blockPlan.toAdd)
        #expect(Set(blocks.map(\.state)) == [.created])
        let replan = try await project.plan()
        #expect(!replan.hasChanges)
        #expect(replan.blockPlan.unchanged == blocks.count)
        #expect(replan.knownBlockHashes.isEmpty, "a plan with no new block does not read the stored contents")
        let (_, second) = try await project.apply()
        #expect(second == nil)
        #expect(try await store.revisions().count == 1)
        #expect(try await store.environmentState().serial == 1)
        let events = try await store.connection.query(
            "SELECT count(*) AS n FROM block_events WHERE to_state = 'created'")
        #expect(events[0]["n"] == String(blocks.count))
        await store.close()
    }

    @Test func appendingDocumentsAddsBlocksAndLeavesTheOthersAlone() async throws {
        let project = try await TestProject.make(documents: 300)
        let (first, _) = try await project.apply()
        try project.writeDocuments(0..<400)
        let plan = try await project.plan()
        let changes = plan.blockPlan.pipelines[0]
        #expect(changes.additions.count > 0)
        // At most the last, partial block of each language is re-cut by an append.
        #expect(changes.cancellations.count <= 2)
        #expect(changes.unchanged >= first.blockPlan.toAdd - 2)
        #expect(changes.reprocess.isEmpty)
        let store = try await project.store()
        let stored = try await store.knownBlockHashes()
        await store.close()
        #expect(!stored.isEmpty)
        #expect(plan.knownBlockHashes == stored, "new blocks are looked up among the stored contents")
    }

    @Test func editingOneDocumentReplacesOnlyItsBlock() async throws {
        let project = try await TestProject.make(documents: 300)
        try await project.apply()
        try project.writeDocuments(0..<300, edit: [150: "A corrected text."])
        let plan = try await project.plan()
        #expect(plan.blockPlan.toAdd == 2, "one block, two languages")
        #expect(plan.blockPlan.toCancel == 2)
        #expect(plan.blockPlan.toReprocess == 0)
    }

    @Test func changingTheModelReprocessesEveryBlockAndNamesTheField() async throws {
        let project = try await TestProject.make()
        let (first, _) = try await project.apply()
        try project.writeManifests(model: "gpt-4o-mini")
        let (plan, revision) = try await project.apply()
        #expect(plan.blockPlan.toReprocess == first.blockPlan.toAdd)
        #expect(plan.blockPlan.pipelines[0].reprocessFields == ["engine.model"])
        #expect(revision?.number == 2)
        let store = try await project.store()
        let reasons = try await store.connection.query(
            "SELECT DISTINCT reason FROM block_events WHERE reason LIKE 'spec changed%'")
        #expect(reasons.map { $0["reason"] } == ["spec changed: engine.model"])
        await store.close()
    }

    @Test func changingSizingReCutsTheDataset() async throws {
        let project = try await TestProject.make(documents: 300)
        try await project.apply()
        try project.writeManifests(maxRecords: 7)
        let plan = try await project.plan()
        let changes = plan.blockPlan.pipelines[0]
        #expect(!changes.recuts.isEmpty)
        #expect(!changes.recutRemovals.isEmpty)
        #expect(changes.additions.isEmpty && changes.cancellations.isEmpty)
        #expect(changes.sizingChange != nil)
    }

    @Test func removingThePipelineCancelsItsBlocksOnlyWithTheMassCancelGuardLifted() async throws {
        let project = try await TestProject.make()
        let (first, _) = try await project.apply()
        try project.writeManifests(withPipeline: false)
        await #expect(throws: TraduError.self) { try await project.apply() }
        let store = try await project.store()
        #expect(try await store.environmentState().serial == 1, "the refused apply wrote nothing")
        let (plan, _) = try await project.apply(allowMassCancel: true)
        #expect(plan.blockPlan.toCancel == first.blockPlan.toAdd)
        let states = try await store.blocks().map(\.state)
        #expect(Set(states) == [.cancelled])
        await store.close()
    }

    @Test func environmentsNeverTouchEachOthersRows() async throws {
        let project = try await TestProject.make()
        try await project.apply("dev")
        let dev = try await project.store("dev")
        let before = try await dev.blocks().count
        try project.writeManifests(model: "gpt-4o-mini", languages: "[ja]")
        try await project.apply("staging")
        #expect(try await dev.blocks().count == before)
        #expect(try await dev.environmentState().serial == 1)
        let staging = try await project.store("staging")
        #expect(Set(try await staging.blocks().map(\.targetLanguage)) == ["ja"])
        #expect(try await staging.environmentState().lineage != dev.environmentState().lineage)
        await dev.close()
        await staging.close()
    }

    @Test func aSavedPlanIsRefusedOnceTheEnvironmentMoved() async throws {
        let project = try await TestProject.make()
        let path = project.root + "/plan.json"
        try SavedPlan.write(try await project.plan(), to: path)
        try await project.apply()
        let saved = try SavedPlan.read(path)
        #expect(saved.serial == 0)
        let now = try await project.plan()
        #expect(throws: TraduError.self) { try saved.check(against: now) }
        do {
            try saved.check(against: now)
        } catch {
            #expect("\(error)" == "saved plan is stale: dev serial 1, plan was made at 0")
        }
    }

    @Test func aSavedPlanContainsNoSecretValue() async throws {
        let project = try await TestProject.make()
        let path = project.root + "/plan.json"
        try SavedPlan.write(try await project.plan(), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("TEST_KEY"), "the reference is kept")
        #expect(text.contains("\"kind\": \"tradu.plan\""))
    }

    @Test func aHeldLockRejectsASecondApplyNamingTheHolder() async throws {
        let project = try await TestProject.make()
        try await project.apply()
        let other = try await project.store()
        let handle = try await other.lock.acquire(
            holder: "apply by alice@ci-7", host: "ci-7", pid: 4242, ttl: .seconds(60), waitUpTo: .zero)
        let store = try await project.store()
        do {
            _ = try await project.applier.lock(store, command: "apply", timeout: .milliseconds(300))
            Issue.record("the lock was granted twice")
        } catch {
            #expect("\(error)".contains("apply by alice@ci-7"))
            #expect("\(error)".contains("pid 4242"))
        }
        try await other.lock.release(handle)
        await other.close()
        await store.close()
    }
}
