import Testing
import TraduCore

/// `PromotionMachine` and `PromotionChecks`: phases move only forward, and every refusal names its cause.
@Suite struct PromotionMachineTests {
    @Test func passingChecksRunThenSucceed() throws {
        var machine = PromotionMachine()
        #expect(try machine.checked(PromotionChecks(freightID: "abc")) == .apply)
        #expect(machine.phase == .running)
        try machine.applied()
        #expect(machine.phase == .succeeded)
        #expect(throws: PromotionMachine.MachineError.self) { try machine.applied() }
    }

    @Test func aFailedCheckRefusesAndCannotApply() throws {
        var machine = PromotionMachine()
        let checks = PromotionChecks(
            freightID: "abc",
            rejection: .init(by: "bob", at: "2026-11-27T10:00:00Z", message: "hallucinated glossary terms"))
        guard case .refuse(let reasons) = try machine.checked(checks) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reasons == ["freight abc was rejected by bob at 2026-11-27T10:00:00Z: hallucinated glossary terms"])
        #expect(machine.phase == .refused)
        #expect(throws: PromotionMachine.MachineError.self) { try machine.applied() }
        #expect(throws: PromotionMachine.MachineError.self) { try machine.applyFailed("x") }
    }

    @Test func everyKindOfRefusalIsNamed() {
        let checks = PromotionChecks(
            freightID: "abc", staleDatasets: ["articles"],
            parity: [
                .init(
                    pipeline: "help", field: "engine.model", source: .string("a"), target: .string("b"), allowed: false),
                .init(
                    pipeline: "help", field: "engine.prompt", source: .string("p"), target: .string("q"), allowed: true),
            ],
            gates: [GateResult(gate: "maxFailedBlocks", passed: false, measured: "3", limit: "≤ 0")],
            sourceMovedOnTo: 4)
        let reasons = checks.refusals
        #expect(reasons.count == 4)
        #expect(reasons.contains { $0.contains("revision 4") })
        #expect(reasons.contains { $0.contains("dataset 'articles'") })
        #expect(reasons.contains { $0.contains("pipeline 'help': engine.model differs (source 'a', target 'b')") })
        #expect(!reasons.contains { $0.contains("engine.prompt") })
        #expect(reasons.contains { $0 == "gate maxFailedBlocks failed: 3, required ≤ 0" })
    }

    @Test func aHeldLockRefusesARunningPromotion() throws {
        var machine = PromotionMachine()
        _ = try machine.checked(PromotionChecks(freightID: "abc"))
        try machine.lockHeld("lock held by apply by ci@host")
        #expect(machine.phase == .refused)
        #expect(machine.reasons == ["lock held by apply by ci@host"])
    }

    @Test func parityComparesEveryPipelineTheTargetRuns() {
        let a = ProcessingSpec(json: .object([("engine", .object([("model", .string("m1"))]))]))
        let b = ProcessingSpec(json: .object([("engine", .object([("model", .string("m2"))]))]))
        let differences = ProcessingParity.compare(
            source: ["p": a, "only-source": a], target: ["p": b, "only-target": a], allowed: ["engine.model"])
        #expect(differences.map(\.pipeline) == ["only-target", "p"])
        #expect(differences[0].allowed == false)
        #expect(differences[1].field == "engine.model")
        #expect(differences[1].allowed)
    }

    @Test func freightIDsAreStableAndDataSensitive() {
        let one = Freight(manifestDigest: "d", datasetFingerprints: ["a": "1", "b": "2"], gitCommit: "c")
        let same = Freight(manifestDigest: "d", datasetFingerprints: ["b": "2", "a": "1"], gitCommit: "c")
        let edited = Freight(manifestDigest: "d", datasetFingerprints: ["a": "1", "b": "3"], gitCommit: "c")
        #expect(one.id == same.id)
        #expect(one.id.count == 12)
        #expect(one.id != edited.id)
        #expect(one.staleDatasets(["a": "1", "b": "3", "c": "9"]) == ["b", "c"])
    }
}
