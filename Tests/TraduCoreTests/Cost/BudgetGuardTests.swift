import Testing
import TraduCore

/// `BudgetGuard`, `TokenEstimate` and pricing: what a budget lets start, and what a plan expects to pay.
@Suite struct BudgetGuardTests {
    let budget = Budget(maxCost: 10)

    @Test func beforeAnyCostIsKnownOnlyAProbeWindowMayRun() {
        #expect(BudgetGuard.allowance(budget: budget, spentMicros: 0, attempts: 0, inFlight: 0, probeWindow: 4) == 4)
        #expect(BudgetGuard.allowance(budget: budget, spentMicros: 0, attempts: 0, inFlight: 3, probeWindow: 4) == 1)
        #expect(BudgetGuard.allowance(budget: budget, spentMicros: 0, attempts: 0, inFlight: 6, probeWindow: 4) == 0)
    }

    @Test func blocksInFlightAreChargedAtTheAverageAttempt() {
        // 4 USD spent over 8 attempts: 0.5 USD each; 6 USD left, 4 in flight (2 USD): 8 more may start.
        #expect(
            BudgetGuard.allowance(budget: budget, spentMicros: 4_000_000, attempts: 8, inFlight: 4, probeWindow: 4)
                == 8)
        #expect(
            BudgetGuard.allowance(budget: budget, spentMicros: 9_000_000, attempts: 18, inFlight: 2, probeWindow: 4)
                == 0)
    }

    @Test func aSpentBudgetStopsEverything() {
        #expect(
            BudgetGuard.allowance(budget: budget, spentMicros: 10_000_000, attempts: 3, inFlight: 0, probeWindow: 4)
                == 0)
        #expect(
            BudgetGuard.allowance(budget: budget, spentMicros: 12_000_000, attempts: 3, inFlight: 0, probeWindow: 4)
                == 0)
    }

    @Test func pricesAreChargedPerMillionTokensInMicros() {
        let pricing = Engine.Pricing(inputPerMillionTokens: 2.5, outputPerMillionTokens: 10)
        #expect(pricing.micros(input: 1_000_000, output: 0) == 2_500_000)
        #expect(pricing.micros(input: 1000, output: 500) == 7500, "0.0025 + 0.005 USD")
        #expect(Budget(maxCost: 1.25).maxMicros == 1_250_000)
    }

    @Test func outputTokensAreEstimatedByTargetLanguageUnlessTheEngineSays() {
        #expect(TokenEstimate.outputRatio(target: "de", pricing: nil) == 1.3)
        #expect(TokenEstimate.outputRatio(target: "pt-BR", pricing: nil) == 1.2)
        #expect(TokenEstimate.outputRatio(target: "tlh", pricing: nil) == TokenEstimate.defaultOutputRatio)
        let pricing = Engine.Pricing(inputPerMillionTokens: 1, outputPerMillionTokens: 1, outputRatio: 0.9)
        #expect(TokenEstimate.outputRatio(target: "de", pricing: pricing) == 0.9)
        #expect(TokenEstimate.inputTokens(characters: 10) == 3)
    }

    @Test func heldPipelinesSayWhyInTheirConditions() {
        let conditions = PipelineConditions.evaluate(
            [.created: 5], hold: .init(budget: "pipeline budget: spent 10.00 USD of 10.00 USD", pause: nil))
        guard case .array(let items) = conditions else {
            Issue.record("conditions are an array")
            return
        }
        let exhausted = items.first { $0["type"] == .string("BudgetExhausted") }
        #expect(exhausted?["status"] == .string("True"))
        #expect(exhausted?["message"] == .string("pipeline budget: spent 10.00 USD of 10.00 USD"))
    }
}
