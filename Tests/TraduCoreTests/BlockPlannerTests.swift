import Testing

@testable import TraduCore

@Suite struct BlockPlannerTests {
    static let dataset = Dataset(
        name: "docs", source: .path("d.jsonl"), format: .jsonl, idField: "id", textField: "text", sourceLanguage: "en",
        maxRecordsPerBlock: 20, maxBytesPerBlock: ByteSize(bytes: 1 << 20), onInvalidRecord: .fail, baseDirectory: ".")
    static let engine = Engine(
        name: "llm", kind: .openai, model: "gpt-4o", endpoint: "https://api.openai.com/v1", apiKey: nil, prompt: nil,
        command: nil, timeout: .seconds(60), concurrency: 4, maxSegmentsPerRequest: 16, temperature: nil,
        rateLimit: .init())
    static let pipeline = Pipeline(
        name: "p", dataset: "docs", engine: "llm", targetLanguages: ["fr", "de"], retryPolicy: nil,
        leaseDuration: .seconds(60), heartbeatInterval: .seconds(10), blockTimeout: .seconds(1800), priority: 50,
        concurrency: nil, sinks: [], suspended: false)

    func desired(
        _ input: [SourceRecord], engine: Engine = engine, pipeline: Pipeline = pipeline,
        sizing: BlockSizing = BlockSizing(maxRecords: 20, maxBytes: 1 << 20)
    ) -> DesiredPipeline {
        DesiredPipeline(
            pipeline: pipeline, spec: ProcessingSpec(pipeline: pipeline, engine: engine, dataset: Self.dataset),
            sizing: sizing, blocks: CutBlockList(cut(input, sizing: sizing)))
    }

    /// What the store would hold after applying `plan` (blocks as created, with the plan's spec).
    func applied(_ plan: BlockPlan, over existing: [ExistingBlock] = []) -> ([ExistingPipeline], [ExistingBlock]) {
        var blocks = Dictionary(uniqueKeysWithValues: existing.map { ($0.id, $0) })
        var pipelines: [ExistingPipeline] = []
        for changes in plan.pipelines {
            for gone in changes.cancellations + changes.recutRemovals { blocks[gone.id]?.state = .cancelled }
            guard let wanted = changes.desired else { continue }
            pipelines.append(
                ExistingPipeline(
                    name: changes.name, dataset: changes.dataset, spec: wanted.spec, sizing: wanted.sizing.json))
            for item in [changes.additions, changes.recuts, changes.reprocess].joined() {
                blocks[item.id] = ExistingBlock(
                    id: item.id, pipeline: item.pipeline, blockHash: item.blockHash,
                    targetLanguage: item.targetLanguage,
                    specHash: wanted.spec.hash, state: .created, ordinal: item.ordinal)
            }
        }
        return (pipelines, Array(blocks.values))
    }

    @Test func aFirstPlanAddsEveryBlockInEveryLanguage() {
        let plan = BlockPlanner.plan(desired: [desired(records(0..<100))], existingPipelines: [], existingBlocks: [])
        let blocks = cut(records(0..<100)).count
        #expect(plan.toAdd == blocks * 2)
        #expect(plan.toCancel == 0)
        #expect(plan.hasChanges)
    }

    @Test func replanningAnUnchangedCorpusChangesNothing() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<100))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        let second = BlockPlanner.plan(
            desired: [desired(records(0..<100))], existingPipelines: pipelines, existingBlocks: blocks)
        #expect(!second.hasChanges)
        #expect(second.unchanged == first.toAdd)
        #expect(Set(blocks.map(\.id)) == Set(first.pipelines[0].additions.map(\.id)), "ids are stable")
    }

    @Test func changingTheModelReprocessesAndNamesTheField() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<100))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        var engine = Self.engine
        engine.model = "gpt-4o-mini"
        engine.concurrency = 64  // operational: must not reprocess on its own
        let plan = BlockPlanner.plan(
            desired: [desired(records(0..<100), engine: engine)], existingPipelines: pipelines, existingBlocks: blocks)
        #expect(plan.toReprocess == first.toAdd)
        #expect(plan.pipelines[0].reprocessFields == ["engine.model"])
        #expect(plan.toAdd == 0 && plan.toCancel == 0)
    }

    @Test func operationalChangesReprocessNothing() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<50))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        var engine = Self.engine
        engine.concurrency = 64
        engine.timeout = .seconds(5)
        var pipeline = Self.pipeline
        pipeline.priority = 99
        let plan = BlockPlanner.plan(
            desired: [desired(records(0..<50), engine: engine, pipeline: pipeline)], existingPipelines: pipelines,
            existingBlocks: blocks)
        #expect(!plan.hasBlockChanges)
    }

    @Test func changingSizingReCutsTheDataset() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<200))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        let plan = BlockPlanner.plan(
            desired: [desired(records(0..<200), sizing: BlockSizing(maxRecords: 5, maxBytes: 1 << 20))],
            existingPipelines: pipelines, existingBlocks: blocks)
        #expect(plan.toRecut > 0)
        #expect(plan.pipelines[0].additions.isEmpty)
        #expect(!plan.pipelines[0].recutRemovals.isEmpty)
        #expect(plan.pipelines[0].cancellations.isEmpty)
        #expect(plan.pipelines[0].sizingChange != nil)
        #expect(!plan.isMassCancel, "a re-cut is not a mass cancel")
    }

    @Test func aNewTargetLanguageOnlyAddsItsBlocks() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<100))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        var pipeline = Self.pipeline
        pipeline.targetLanguages.append("ja")
        let plan = BlockPlanner.plan(
            desired: [desired(records(0..<100), pipeline: pipeline)], existingPipelines: pipelines,
            existingBlocks: blocks)
        #expect(plan.toAdd == first.toAdd / 2)
        #expect(plan.pipelines[0].additions.allSatisfy { $0.targetLanguage == "ja" })
        #expect(plan.toReprocess == 0)
    }

    @Test func aRemovedPipelineIsCancelledAndGuardedAsMassCancel() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<100))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        let plan = BlockPlanner.plan(desired: [], existingPipelines: pipelines, existingBlocks: blocks)
        #expect(plan.toCancel == blocks.count)
        #expect(plan.isMassCancel)
        #expect(plan.pipelines.first?.desired == nil)
    }

    @Test func aCancelledBlockThatComesBackIsAddedAgain() {
        let first = BlockPlanner.plan(desired: [desired(records(0..<100))], existingPipelines: [], existingBlocks: [])
        let (pipelines, blocks) = applied(first)
        let gone = BlockPlanner.plan(desired: [], existingPipelines: pipelines, existingBlocks: blocks)
        let (_, cancelled) = applied(gone, over: blocks)
        let back = BlockPlanner.plan(
            desired: [desired(records(0..<100))], existingPipelines: pipelines, existingBlocks: cancelled)
        #expect(back.toAdd == first.toAdd)
    }

    @Test func estimatesInputCharactersPerEngine() {
        let plan = BlockPlanner.plan(desired: [desired(records(0..<10))], existingPipelines: [], existingBlocks: [])
        let characters = records(0..<10).reduce(0) { $0 + $1.text.count }
        #expect(plan.charactersByEngine["llm"] == Int64(characters * 2))
    }
}
