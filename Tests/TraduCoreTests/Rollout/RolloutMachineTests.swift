import Testing
import TraduCore

/// `RolloutMachine`: steps, analyses, completion, rollback and pause, and the operator's promote, abort and
/// retry; every event illegal in a phase is refused without changing the state.
@Suite struct RolloutMachineTests {
    static let spec = RolloutSpec(steps: [0.05, 0.25, 1])
    static let passed = RolloutVerdict(outcome: .passed, figures: [], blocks: 40)
    static let failed = RolloutVerdict(
        outcome: .failed(
            RolloutFigure(metric: "maxDataErrorRatio", measured: 0.3, limit: 0, passed: false, note: "")),
        figures: [], blocks: 40)

    @Test func aHealthyRolloutStepsThroughEveryAnalysisToCompletion() throws {
        var machine = RolloutMachine(state: RolloutState(), spec: Self.spec)
        for step in 0..<3 {
            #expect(machine.pending == .startStep(step))
            #expect(try machine.handle(.stepStarted) == .none)
            #expect(machine.pending == .none)
            #expect(machine.awaitsSample)
            #expect(try machine.handle(.sampleFinal) == .analyze(step))
            #expect(machine.pending == .analyze(step))
            let action = try machine.handle(.verdict(Self.passed))
            #expect(action == (step < 2 ? .startStep(step + 1) : .complete))
        }
        #expect(machine.state.phase == .completed)
        #expect(!machine.state.isUnsettled)
    }

    @Test func aFailedAnalysisRollsBackWithTheGateAndItsFigure() throws {
        var machine = RolloutMachine(state: RolloutState(phase: .analyzing, stepStarted: true), spec: Self.spec)
        #expect(try machine.handle(.verdict(Self.failed)) == .rollBack("maxDataErrorRatio 0.3 > 0"))
        #expect(machine.state.phase == .rolledBack)
        #expect(machine.state.reason == "maxDataErrorRatio 0.3 > 0")
        #expect(machine.state.isUnsettled && !machine.state.isActive)
    }

    @Test func onFailurePausePausesThenPromoteRunsTheLastStepWithoutAnalysis() throws {
        var spec = Self.spec
        spec.onFailure = .pause
        var machine = RolloutMachine(state: RolloutState(phase: .analyzing, stepStarted: true), spec: spec)
        #expect(try machine.handle(.verdict(Self.failed)) == .pause("maxDataErrorRatio 0.3 > 0"))
        #expect(machine.state.phase == .paused)
        #expect(try machine.handle(.promote(actor: "ana", message: "checked by hand")) == .startStep(2))
        #expect(machine.state.skipAnalysis)
        #expect(machine.state.reason == "promoted by ana: checked by hand")
        _ = try machine.handle(.stepStarted)
        #expect(try machine.handle(.sampleFinal) == .complete, "no analysis once promoted")
        #expect(machine.state.phase == .completed)
    }

    @Test func anInconclusiveAnalysisPausesWhateverOnFailureSays() throws {
        var machine = RolloutMachine(state: RolloutState(phase: .analyzing, stepStarted: true), spec: Self.spec)
        let verdict = RolloutVerdict(outcome: .inconclusive("only 3 final blocks"), figures: [], blocks: 3)
        #expect(try machine.handle(.verdict(verdict)) == .pause("only 3 final blocks"))
        #expect(machine.state.phase == .paused)
    }

    @Test func abortRollsBackAndRetryRestartsTheSameRolloutOnANewRun() throws {
        var machine = RolloutMachine(state: RolloutState(step: 1, stepStarted: true), spec: Self.spec)
        #expect(
            try machine.handle(.abort(actor: "ana", message: "wrong tone")) == .rollBack("aborted by ana: wrong tone"))
        #expect(try machine.handle(.retry(actor: "ana", message: "fixed the glossary")) == .reinstate)
        #expect(machine.state == RolloutState(run: 2, reason: "retried by ana: fixed the glossary"))
        #expect(machine.pending == .startStep(0))
        // A retry of a paused rollout needs no reinstatement: the new spec still runs.
        var paused = RolloutMachine(state: RolloutState(phase: .paused, step: 1), spec: Self.spec)
        #expect(try paused.handle(.retry(actor: "ana", message: "again")) == .none)
        #expect(paused.state.run == 2 && paused.state.step == 0)
    }

    @Test func illegalEventsAreRefusedAndChangeNothing() {
        let cases: [(RolloutState, RolloutMachine.Event)] = [
            (RolloutState(phase: .completed), .abort(actor: "a", message: "m")),
            (RolloutState(phase: .completed), .retry(actor: "a", message: "m")),
            (RolloutState(phase: .rolledBack), .promote(actor: "a", message: "m")),
            (RolloutState(phase: .progressing, stepStarted: false), .sampleFinal),
            (RolloutState(phase: .progressing, stepStarted: true), .stepStarted),
            (RolloutState(phase: .progressing), .verdict(Self.passed)),
            (RolloutState(phase: .superseded), .superseded("again")),
        ]
        for (state, event) in cases {
            var machine = RolloutMachine(state: state, spec: Self.spec)
            #expect(throws: RolloutMachine.IllegalEvent.self, "\(state.phase) \(event)") {
                try machine.handle(event)
            }
            #expect(machine.state == state)
        }
    }

    @Test func aSupersededRolloutEndsFromAnyUnfinishedPhase() throws {
        for phase in [RolloutState.Phase.progressing, .analyzing, .paused, .rolledBack] {
            var machine = RolloutMachine(state: RolloutState(phase: phase), spec: Self.spec)
            #expect(try machine.handle(.superseded("superseded by revision 9")) == .none)
            #expect(machine.state.phase == .superseded)
        }
    }

    @Test func stepSizesAreCumulativeRaisedToMinBlocksAndTheLastTakesAll() {
        let spec = RolloutSpec(steps: [0.05, 0.25, 1], analysis: .init(minBlocks: 20))
        #expect(spec.sampleSize(step: 0, population: 1000) == 50)
        #expect(spec.sampleSize(step: 1, population: 1000) == 250)
        #expect(spec.sampleSize(step: 2, population: 1000) == 1000)
        #expect(spec.sampleSize(step: 0, population: 100) == 20, "5 raised to minBlocks")
        #expect(spec.sampleSize(step: 0, population: 12) == 12, "never more than there are")
        #expect(spec.sampleSize(step: 0, population: 1001) == 51, "rounded up")
    }

    @Test func theSpecSurvivesItsStoredForm() {
        let spec = RolloutSpec(
            steps: [0.1, 1],
            analysis: .init(
                minBlocks: 7, maxFailedRatio: 0.05, maxDataErrorRatio: nil, maxTokenRatio: 1.5, maxLengthDrift: 0.3,
                check: ["python3", "checks/glossary.py"], checkTimeout: .seconds(30)),
            onFailure: .pause)
        #expect(RolloutSpec(json: spec.json) == spec)
        #expect(RolloutSpec.percentText(0.125) == "12.5%")
        #expect(RolloutSpec.percentText(0.05) == "5%")
    }
}
