/// Computes a `BlockPlan`: the difference between the work items the manifests want and those the
/// environment holds. Pure: the caller reads datasets and the store.
public enum BlockPlanner {
    public static func plan(
        desired: [DesiredPipeline], existingPipelines: [ExistingPipeline], existingBlocks: [ExistingBlock]
    ) -> BlockPlan {
        plan(desired: desired, existingPipelines: existingPipelines, existingBlocks: ExistingBlockList(existingBlocks))
    }

    public static func plan(
        desired: [DesiredPipeline], existingPipelines: [ExistingPipeline], existingBlocks: ExistingBlockList
    ) -> BlockPlan {
        // Positions into `existingBlocks`, not copies (4 bytes a block): at millions of blocks a copy per grouping is
        // gigabytes.
        var blocksByPipeline: [String: ChunkedArray<Int32>] = [:]
        for (index, block) in existingBlocks.enumerated() {
            precondition(index < Int(Int32.max), "more stored blocks than a plan holds")
            blocksByPipeline[block.pipeline, default: ChunkedArray()].append(Int32(index))
        }
        let positionsOf = { (name: String) in (blocksByPipeline[name] ?? ChunkedArray()).lazy.map { Int($0) } }
        let blocksOf = { (name: String) in positionsOf(name).map { existingBlocks[$0] } }
        let existingByName = Dictionary(existingPipelines.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        // Which stored blocks the manifests still want: a flag per stored block (each belongs to one pipeline)
        // rather than a set of every wanted id (a string per work item, gigabytes at millions of blocks).
        var wantedStored = [Bool](repeating: false, count: existingBlocks.count)
        var result: [BlockPlan.PipelineChanges] = []

        for wanted in desired.sorted(by: { $0.pipeline.name < $1.pipeline.name }) {
            let name = wanted.pipeline.name
            var changes = BlockPlan.PipelineChanges(
                name: name, dataset: wanted.pipeline.dataset, engine: wanted.pipeline.engine, desired: wanted)
            let old = existingByName[name]
            let specHash = wanted.spec.hash
            let sizingJSON = wanted.sizing.json
            let recut = old.map { $0.sizing != sizingJSON && $0.dataset == wanted.pipeline.dataset } ?? false
            if recut, let old { changes.sizingChange = (old.sizing, sizingJSON) }
            if let old, old.spec.hash != specHash {
                changes.reprocessFields = wanted.spec.changedFields(since: old.spec)
            }
            changes.specOrSizingChanged =
                old == nil || old?.spec.hash != specHash || old?.sizing != sizingJSON
                || old?.dataset != wanted.pipeline.dataset

            let storedIndex = IdentityIndex(positionsOf(name), identity: existingBlocks.identity(at:))
            let stored = { (id: CompactID) in
                storedIndex.position(of: id, identity: existingBlocks.identity(at:)).map { existingBlocks[$0] }
            }
            // A dataset's record ids are unique, so its blocks' contents are too; repeats are still found, without
            // a set of every content.
            let repeated = RepeatedIdentities.laterPositions(
                wanted.blocks.indices.lazy.map(wanted.blocks.identity(at:)))
            let languages = Self.distinct(wanted.pipeline.targetLanguages)
            let list = WorkItemList(pipeline: name, blocks: wanted.blocks, languages: languages)
            (changes.additions, changes.recuts, changes.reprocess) = (list, list, list)
            for (position, block) in wanted.blocks.enumerated() {
                // Two blocks with the same content are one work item per language.
                guard !repeated.contains(position) else { continue }
                for (languageIndex, language) in languages.enumerated() {
                    // The id is computed again when the item is read: here only to find the stored block.
                    let index =
                        storedIndex.isEmpty
                        ? nil
                        : storedIndex.position(
                            of: WorkItem.identity(pipeline: name, block: block, targetLanguage: language),
                            identity: existingBlocks.identity(at:))
                    if let index { wantedStored[index] = true }
                    if let index, !existingBlocks[index].isCancelled {
                        if existingBlocks[index].specHash == specHash {
                            changes.unchanged += 1
                        } else {
                            changes.reprocess.append(block: position, language: languageIndex)
                            changes.inputCharacters += block.characterCount
                        }
                    } else if recut {
                        changes.recuts.append(block: position, language: languageIndex)
                        changes.inputCharacters += block.characterCount
                    } else {
                        changes.additions.append(block: position, language: languageIndex)
                        changes.inputCharacters += block.characterCount
                    }
                }
            }
            let leaving = positionsOf(name).filter { !wantedStored[$0] }.map { existingBlocks[$0] }
                .filter { !$0.isCancelled }.sorted(by: order)
            if recut { changes.recutRemovals = leaving } else { changes.cancellations = leaving }
            if let old, !recut { planRollout(&changes, old: old, wanted: wanted, stored: stored) }
            result.append(changes)
        }

        // Pipelines that left the manifests: everything they still have is cancelled.
        let desiredNames = Set(desired.map(\.pipeline.name))
        let leftover = Set(existingPipelines.map(\.name)).union(blocksByPipeline.keys).subtracting(desiredNames)
        for name in leftover.sorted() {
            let active = blocksOf(name).filter { !$0.isCancelled }.sorted(by: order)
            var changes = BlockPlan.PipelineChanges(
                name: name, dataset: existingByName[name]?.dataset ?? "", engine: nil, desired: nil)
            changes.cancellations = active
            changes.specOrSizingChanged = existingByName[name] != nil
            result.append(changes)
        }
        return BlockPlan(pipelines: result, activeBlockCount: existingBlocks.count { !$0.isCancelled })
    }

    /// A pipeline with a rollout running, rolled back, or about to start: the `~` blocks are the rollout's, not
    /// the apply's.
    private static func planRollout(
        _ changes: inout BlockPlan.PipelineChanges, old: ExistingPipeline, wanted: DesiredPipeline,
        stored: (CompactID) -> ExistingBlock?
    ) {
        let specHash = wanted.spec.hash
        if let latest = old.rollout {
            if latest.canarySpecHash == specHash && (latest.state.isActive || latest.state.phase == .rolledBack) {
                changes.inputCharacters -= Self.characters(changes.reprocess)
                changes.unchanged += changes.reprocess.count
                changes.reprocess = []
                changes.reprocessFields = []
                changes.specOrSizingChanged = old.dataset != wanted.pipeline.dataset
                changes.rollout =
                    latest.state.isActive
                    ? .continuing(latest.state, steps: latest.spec.steps.count)
                    : .held(reason: latest.state.reason ?? "rolled back")
                return
            }
            if latest.state.isActive {
                changes.supersedesRollout = true
                if specHash == old.spec.hash {
                    // Back to the current spec: ending the rollout restores its sample, nothing is reprocessed.
                    changes.inputCharacters -= Self.characters(changes.reprocess)
                    changes.unchanged += changes.reprocess.count
                    changes.reprocess = []
                    changes.reprocessFields = []
                    return
                }
            }
        }
        guard let rollout = wanted.pipeline.rollout, old.spec.hash != specHash, !changes.reprocess.isEmpty else {
            return
        }
        let ordered = changes.reprocess.sorted { a, b in
            RolloutSampleOrder.precedes(
                (stored(a.identity)?.state == .completed, a.blockHash, a.id),
                (stored(b.identity)?.state == .completed, b.blockHash, b.id))
        }
        let first = rollout.sampleSize(step: 0, population: ordered.count)
        changes.rollout = .start(
            firstStep: first, population: ordered.count, firstStepCharacters: Self.characters(ordered.prefix(first)))
    }

    private static func characters(_ items: some Sequence<WorkItem>) -> Int64 {
        items.reduce(Int64(0)) { $0 + $1.characterCount }
    }

    /// `values` without repeats, in their first order.
    private static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    private static func order(_ a: ExistingBlock, _ b: ExistingBlock) -> Bool {
        (a.ordinal, a.targetLanguage, a.identity) < (b.ordinal, b.targetLanguage, b.identity)
    }
}
