import Foundation
import Testing
import TraduCore
import TraduHTTP
import TraduTestSupport

@testable import TraduApp

/// Which limit an engine's requests are held to when a worker runs several specs side by side.
@Suite struct EngineGatesTests {
    /// Three pipelines on three engines (`local` is pseudo), compiled from manifests as a revision stores them.
    static func resolved(translateConcurrency: Int = 4, summarizeConcurrency: Int = 3) throws -> ResolvedManifests {
        let project = TestProject(root: try TestPostgres.makeTemporaryDirectory(), databaseURL: "")
        defer { try? FileManager.default.removeItem(atPath: project.root) }
        try FileManager.default.createDirectory(atPath: project.manifests, withIntermediateDirectories: true)
        var more = ""
        for (name, spec) in [
            (
                "Engine",
                "{name: small}\nspec: {type: openai, model: gpt-4o-mini, apiKeyFrom: {env: TEST_KEY}, "
                    + "concurrency: \(summarizeConcurrency)}"
            ),
            ("Engine", "{name: local}\nspec: {type: pseudo}"),
            ("Pipeline", "{name: translate}\nspec: {dataset: docs, engine: llm, targetLanguages: [fr]}"),
            ("Pipeline", "{name: summarize}\nspec: {dataset: docs, engine: small, targetLanguages: [de]}"),
            ("Pipeline", "{name: rehearse}\nspec: {dataset: docs, engine: local, targetLanguages: [es]}"),
        ] {
            more += "---\napiVersion: tradu/v1\nkind: \(name)\nmetadata: \(spec)\n"
        }
        try project.writeManifests(
            withPipeline: false, engineSettings: ", concurrency: \(translateConcurrency)", more: more)
        let validation = ManifestValidation(directory: project.manifests, environment: "dev")
        #expect(validation.diagnostics.map(\.description) == [])
        return try #require(validation.compiled.environments["dev"])
    }

    /// A rollout of `translate` whose new spec raises its engine's concurrency to 8, applied together with a plain
    /// change of `summarize`'s engine from 3 to 6. The worker runs `translate`'s baseline beside the new spec: the
    /// engine both call stays at the baseline's 4 until the rollout is done, and `summarize`'s engine, in no
    /// rollout, takes its new 6 at once (the baseline revision's 3 used to win, because every pipeline of that
    /// revision was built after the applied one).
    @Test func aRolloutHoldsItsEngineToTheSmallerLimitAndLeavesOtherEnginesAtTheAppliedOne() throws {
        let baseline = try Self.resolved()
        let applied = try Self.resolved(translateConcurrency: 8, summarizeConcurrency: 6)
        let engines = PipelineRuntimes.requestEngines(latest: applied, others: [(baseline, "translate")])
        #expect(EngineGates.limits(of: engines) == ["llm": 4, "small": 6], "the pseudo engine is never gated")

        // A rollout that lowers the limit (the provider's fell) holds both specs to the new one.
        let lowered = try Self.resolved(translateConcurrency: 2)
        let down = PipelineRuntimes.requestEngines(latest: lowered, others: [(baseline, "translate")])
        #expect(EngineGates.limits(of: down) == ["llm": 2, "small": 3])

        // With no rollout, the applied revision's limits.
        #expect(
            EngineGates.limits(of: PipelineRuntimes.requestEngines(latest: applied, others: [])) == [
                "llm": 8, "small": 6,
            ])
    }

    /// How many blocks the engines run at once bounds what a worker holds: the limits summed, none when a pipeline's
    /// engine is not gated. And a runtime gets a gate only for a gated engine, even when a gate of that name exists
    /// (a rollout may turn an engine of one name from `pseudo` into an HTTP one).
    @Test func theEnginesCapacityIsTheirLimitsSummedAndOnlyGatedEnginesGetAGate() async throws {
        let applied = try Self.resolved(translateConcurrency: 8, summarizeConcurrency: 6)
        let baseline = try Self.resolved()
        let gated = [applied.engines["llm"]!, applied.engines["small"]!, baseline.engines["llm"]!]
        #expect(EngineGates.capacity(of: gated) == 4 + 6)
        #expect(EngineGates.capacity(of: gated + [applied.engines["local"]!]) == nil)
        #expect(EngineGates.capacity(of: []) == nil)

        // What a worker may hold counts the engines of the pipelines that run: `rehearse` (pseudo) is suspended here,
        // and so is `summarize` in the second case.
        var running = applied
        running.pipelines["rehearse"]?.suspended = true
        #expect(PipelineRuntimes.requestCapacity(latest: running, others: [(baseline, "translate")]) == 4 + 6)
        running.pipelines["summarize"]?.suspended = true
        #expect(PipelineRuntimes.requestCapacity(latest: running, others: [(baseline, "translate")]) == 4)
        #expect(PipelineRuntimes.requestCapacity(latest: applied, others: []) == nil, "rehearse runs, ungated")

        var local = try #require(applied.engines["local"])
        local.name = "llm"
        let gates = await EngineGates().gates(for: gated)
        var renamed = applied
        renamed.engines["llm"] = local
        let runtimes = PipelineRuntime.build(
            renamed, only: ["translate", "summarize"], environment: ["TEST_KEY": "k"],
            httpClient: HTTPClient(maxConcurrentRequests: 4), gates: gates)
        #expect(Set(runtimes.keys) == ["translate", "summarize"])
        #expect(runtimes["translate"]?.requestGate == nil, "a pseudo engine is never gated")
        #expect(runtimes["summarize"]?.requestGate === gates["small"])
    }

    /// The gates outlive a reload (requests in flight keep counting) and take each reload's limits.
    @Test func aReloadKeepsEachGateAndGivesItTheNewLimit() async throws {
        let gates = EngineGates()
        let baseline = try Self.resolved()
        let first = await gates.gates(for: PipelineRuntimes.requestEngines(latest: baseline, others: []))
        #expect(Set(first.keys) == ["llm", "small"])
        #expect(await first["llm"]?.limit == 4)

        let applied = try Self.resolved(translateConcurrency: 8, summarizeConcurrency: 6)
        let during = await gates.gates(
            for: PipelineRuntimes.requestEngines(latest: applied, others: [(baseline, "translate")]))
        #expect(during["llm"] === first["llm"] && during["small"] === first["small"])
        #expect(await during["llm"]?.limit == 4)
        #expect(await during["small"]?.limit == 6)

        let after = await gates.gates(for: PipelineRuntimes.requestEngines(latest: applied, others: []))
        #expect(after["llm"] === first["llm"])
        #expect(await after["llm"]?.limit == 8)
    }
}
