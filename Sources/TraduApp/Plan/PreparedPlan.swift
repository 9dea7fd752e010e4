import TraduCore
import TraduStore

/// Everything `tradu plan` computed for one environment: the block plan, the state it was computed
/// against (lineage, serial), and the digests a saved plan is checked with.
public struct PreparedPlan: Sendable {
    public var environment: ResolvedManifests
    public var manifestDirectory: String
    public var datasets: [DatasetCut]
    public var blockPlan: BlockPlan
    public var state: EnvironmentState
    public var manifests: JSONValue
    public var manifestDigest: String
    public var latestRevision: Revision?
    /// The content hashes the environment holds, read only when the plan has new or re-cut blocks to look up.
    public var knownBlockHashes: IdentitySet
    /// The records of new blocks, kept by the plan's read for the apply (nil for `tradu plan`).
    public var spool: BlockSpool?
    /// The project's manifest files as compiled, recorded with the revision (its freight).
    public var raw: RawManifests?
    /// Set by a promotion: the freight it carries and where it came from.
    public var release: ReleaseContext?
    /// Each stored pipeline's processing spec: what runs now (a rollout keeps it until it completes).
    public var storedSpecs: [String: ProcessingSpec] = [:]

    /// Dataset name → fingerprint of the records this plan read.
    public var datasetFingerprints: [String: String] {
        Dictionary(uniqueKeysWithValues: datasets.map { ($0.dataset.name, $0.recordsFingerprint) })
    }

    /// The manifests differ from the last applied revision (a change that moves no block still records a
    /// revision, e.g. a new priority).
    public var manifestsChanged: Bool { latestRevision?.manifestDigest != manifestDigest }

    /// A promotion whose freight the environment does not run yet records a revision even when no block or
    /// effective manifest changes, so history shows where the environment's freight came from.
    ///
    /// An apply records one too when only the raw manifests changed (say, prod's gates, or an override of another
    /// environment): the project's freight is new, and only a recorded freight can be promoted.
    public var freightChanged: Bool {
        if let release { return latestRevision?.freight?.id != release.freight.id }
        guard let raw else { return false }
        return latestRevision?.freight?.rawDigest != raw.digest
    }

    public var hasChanges: Bool { blockPlan.hasChanges || manifestsChanged || freightChanged }

    /// Identity of the plan: the state it starts from, the manifests, and every change. Two plans with equal
    /// digests apply the same writes. Hashed line by line: at 10M blocks the text would be 400 MB.
    public var planDigest: String {
        var digest = ContentHash.Stream()
        digest.add("tradu-plan/v1\n\(state.lineage)\n\(state.serial)\n\(manifestDigest)\n\(raw?.digest ?? "-")\n")
        for changes in blockPlan.pipelines {
            digest.add("pipeline \(changes.name) \(changes.desired?.spec.hash ?? "-")\n")
            for item in changes.additions { digest.addLine("+ ", item.identity) }
            for item in changes.recuts { digest.addLine("-/+ ", item.identity) }
            for item in changes.reprocess { digest.addLine("~ ", item.identity) }
            for block in changes.cancellations { digest.add("- \(block.id)\n") }
            for block in changes.recutRemovals { digest.add("- \(block.id)\n") }
        }
        return digest.hex()
    }

    public var summaryJSON: JSONValue {
        .object([
            ("add", .int(blockPlan.toAdd)), ("reprocess", .int(blockPlan.toReprocess)),
            ("recut", .int(blockPlan.toRecut)), ("cancel", .int(blockPlan.toCancel)),
            ("unchanged", .int(blockPlan.unchanged)),
        ])
    }
}
