/// Everything one `tradu apply` writes, in one transaction.
///
/// `contents` is generic so the caller can stream it lazily (a plan's new block contents may be gigabytes): it is
/// iterated once, inside the transaction, on the connection's thread, and never held in memory as a whole. Build
/// it in nonisolated code: a lazy `map` whose closure is isolated to an actor (e.g. written in `@MainActor` code)
/// would trap when the connection's thread calls it.
public struct ApplyBatch<Contents: Sequence<BlockContentRow>> {
    /// The lineage the plan was made against; nil skips the check (e.g. the very first apply).
    public var expectedLineage: String?
    /// The serial the plan was made against; the apply is refused if the environment moved since.
    public var expectedSerial: Int64
    /// Block contents the environment does not hold yet: each hash at most once and not in `knownBlockHashes()`
    /// (they are copied straight into the table; a duplicate fails the apply with a unique violation).
    public var contents: Contents
    /// Blocks that do not exist yet, or exist as `cancelled` (those are restored).
    public var newBlocks: NewBlockRows
    /// Blocks to run again from `created`. Cancelled blocks are left alone.
    public var reprocess: [BlockReprocess]
    /// Block ids to cancel (blocks already cancelled are left alone).
    public var cancel: [String]
    /// Pipelines to create or update.
    public var pipelines: [StoredPipeline]
    /// Pipeline names to delete (their blocks should be in `cancel`).
    public var removedPipelines: [String]
    public var revision: RevisionInput
    /// Pipelines whose active rollout this apply ends (its sample goes back to the previous spec).
    public var supersededRollouts: [String] = []
    /// Rollouts this apply starts: their blocks are left as they are; the leading controller runs the steps.
    public var rolloutStarts: [RolloutStart] = []
    /// Each dataset the plan cut, with the last record it read (`dataset_cuts`): the block that ends there is the one
    /// the next plan lets appended records join.
    public var datasetCuts: [(dataset: String, lastRecord: String?)] = []
    /// The fewest new blocks for which a first apply (no block stored yet) drops the block tables' indexes and
    /// builds them after the load (`BulkLoad`).
    public var bulkLoadMinimum = BulkLoad.defaultMinimum
    /// Runs inside the transaction right after `contents` was copied, on the connection's thread; throwing rolls
    /// the whole apply back. For a streaming source to confirm what it sent still matches the plan (e.g. no source
    /// file changed under it, so every stored block has the content its hash names).
    public var verifyContents: (() throws -> Void)?

    public init(
        expectedLineage: String?, expectedSerial: Int64, contents: Contents, newBlocks: NewBlockRows = [],
        reprocess: [BlockReprocess] = [], cancel: [String] = [], pipelines: [StoredPipeline] = [],
        removedPipelines: [String] = [], revision: RevisionInput, verifyContents: (() throws -> Void)? = nil
    ) {
        self.expectedLineage = expectedLineage
        self.expectedSerial = expectedSerial
        self.contents = contents
        self.newBlocks = newBlocks
        self.reprocess = reprocess
        self.cancel = cancel
        self.pipelines = pipelines
        self.removedPipelines = removedPipelines
        self.revision = revision
        self.verifyContents = verifyContents
    }
}

extension ApplyBatch {
    /// The same batch with its contents behind `AnySequence`: still lazy, iterated once.
    func erasingContents() -> ApplyBatch<AnySequence<BlockContentRow>> {
        var erased = ApplyBatch<AnySequence<BlockContentRow>>(
            expectedLineage: expectedLineage, expectedSerial: expectedSerial, contents: AnySequence(contents),
            newBlocks: newBlocks, reprocess: reprocess, cancel: cancel, pipelines: pipelines,
            removedPipelines: removedPipelines, revision: revision, verifyContents: verifyContents)
        erased.supersededRollouts = supersededRollouts
        erased.rolloutStarts = rolloutStarts
        erased.datasetCuts = datasetCuts
        erased.bulkLoadMinimum = bulkLoadMinimum
        return erased
    }
}
