import Foundation
import Logging
import TraduCore
import TraduStore

/// `tradu apply`: writes a prepared plan in one transaction, under the environment lock, and records a
/// revision. The caller holds the lock from before planning until after writing, so the plan it shows is
/// the plan it applies.
public struct ApplyService: Sendable {
    public struct Options: Sendable {
        public var message: String?
        public var allowMassCancel: Bool
        public var appliedBy: String
        /// Apply to an environment that takes changes through promotions only (`-m` says why).
        public var bypassPromotion: Bool

        public init(
            message: String?, allowMassCancel: Bool, appliedBy: String = ApplyService.currentUser,
            bypassPromotion: Bool = false
        ) {
            self.bypassPromotion = bypassPromotion
            self.message = message
            self.allowMassCancel = allowMassCancel
            self.appliedBy = appliedBy
        }
    }

    public var logger: Logger
    public var projectRoot: String

    public init(logger: Logger, projectRoot: String? = nil) {
        self.logger = logger
        self.projectRoot = projectRoot ?? FileManager.default.currentDirectoryPath
    }

    /// Who applies: `TRADU_ACTOR`, or `user@host` (see `Actor`), for revisions and lock holders.
    public static var currentUser: String { Actor.current }

    /// Takes the environment lock, waiting up to `timeout`; a lock still held then is a rejection (exit 3).
    public func lock(_ store: Store, command: String, timeout: Duration) async throws -> LockHandle {
        do {
            return try await store.lock.acquire(
                holder: "\(command) by \(Self.currentUser)", host: ProcessInfo.processInfo.hostName,
                pid: ProcessInfo.processInfo.processIdentifier, ttl: .seconds(15 * 60), waitUpTo: timeout)
        } catch let error as StoreError {
            if case .lockHeld = error { throw TraduError.rejected(error.description) }
            throw error
        }
    }

    public func unlock(_ store: Store, _ handle: LockHandle) async {
        do {
            try await store.lock.release(handle)
        } catch {
            logger.warning("could not release the environment lock", metadata: ["error": "\(error)"])
        }
    }

    /// Runs `body` holding the environment lock; releases it whatever happens.
    public func withLock<T: Sendable>(
        _ store: Store, command: String, timeout: Duration, _ body: () async throws -> T
    ) async throws -> T {
        let handle = try await lock(store, command: command, timeout: timeout)
        let result: Result<T, Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        await unlock(store, handle)
        return try result.get()
    }

    /// Writes the plan. Returns nil when there is nothing to write (a second apply of the same manifests).
    public func write(_ prepared: PreparedPlan, to store: Store, options: Options) async throws -> AppliedRevision? {
        guard prepared.hasChanges else { return nil }
        // Digested on the other core while the spool finds the new blocks' contents: both read every new item,
        // and nothing else runs before the first row is copied.
        async let planDigest = prepared.planDigest
        let plan = prepared.blockPlan
        if plan.isMassCancel && !options.allowMassCancel {
            let cancelled = plan.pipelines.reduce(0) { $0 + $1.cancellations.count }
            throw TraduError.rejected(
                "the plan cancels \(cancelled) of the environment's \(plan.activeBlockCount) blocks (more than half);"
                    + " check that the manifest folder is complete, or pass --allow-mass-cancel")
        }

        var newBlocks = NewBlockRows()
        var reprocess: [BlockReprocess] = []
        var cancel: [String] = []
        var pipelines: [StoredPipeline] = []
        var removed: [String] = []
        var superseded: [String] = []
        var rolloutStarts: [RolloutStart] = []
        for changes in plan.pipelines {
            guard let desired = changes.desired else {
                removed.append(changes.name)
                cancel += changes.cancellations.map(\.id)
                continue
            }
            if changes.supersedesRollout { superseded.append(changes.name) }
            // While a rollout holds the pipeline (starting, running or rolled back), what runs stays the previous
            // spec: the pipeline's row keeps it and new blocks take it, until the rollout completes.
            let held = changes.rollout != nil ? prepared.storedSpecs[changes.name] : nil
            let specHash = held?.hash ?? desired.spec.hash
            let priority = desired.pipeline.priority
            newBlocks.append(changes.additions, specHash: specHash, priority: priority)
            newBlocks.append(changes.recuts, specHash: specHash, priority: priority)
            let reason = "spec changed: " + changes.reprocessFields.joined(separator: ", ")
            reprocess += changes.reprocessedByApply.map {
                BlockReprocess(id: $0.id, specHash: specHash, reason: reason)
            }
            if case .start = changes.rollout, let held, let rollout = desired.pipeline.rollout {
                rolloutStarts.append(
                    RolloutStart(
                        pipeline: changes.name, baselineSpecHash: held.hash, canarySpecHash: desired.spec.hash,
                        canarySpec: desired.spec.json.encoded(sortedKeys: true), changedFields: changes.reprocessFields,
                        spec: rollout.json.encoded(sortedKeys: true)))
            }
            cancel += (changes.cancellations + changes.recutRemovals).map(\.id)
            pipelines.append(
                StoredPipeline(
                    name: changes.name, dataset: desired.pipeline.dataset, specHash: specHash,
                    processingSpec: (held ?? desired.spec).json.encoded(sortedKeys: true),
                    sizing: desired.sizing.json.encoded(sortedKeys: true), generation: 0, priority: priority))
        }
        let wanted = plan.pipelines.lazy.filter { $0.desired != nil }
            .flatMap { [$0.additions.blockIdentities, $0.recuts.blockIdentities] }.joined()
            .lazy.filter { !prepared.knownBlockHashes.contains($0) }
        // The spool marks what it holds of them (a flag per spooled block, not a set of every new hash).
        if let spool = prepared.spool,
            let rows = spool.rows(
                wanted,
                blocks: Dictionary(
                    prepared.datasets.map { ($0.dataset.name, $0.blocks) }, uniquingKeysWith: { a, _ in a }))
        {
            return try await write(
                prepared, newBlocks, reprocess, cancel, pipelines, removed, (superseded, rolloutStarts), options,
                store, planDigest: await planDigest, contents: rows)
        }
        let needed = Set(wanted)
        let contents = try await BlockContentSource.open(prepared.datasets, needed: needed, projectRoot: projectRoot)
        return try await write(
            prepared, newBlocks, reprocess, cancel, pipelines, removed, (superseded, rolloutStarts), options, store,
            planDigest: await planDigest, contents: contents)
    }

    private func write<Contents: VerifiedContents>(
        _ prepared: PreparedPlan, _ newBlocks: NewBlockRows, _ reprocess: [BlockReprocess], _ cancel: [String],
        _ pipelines: [StoredPipeline], _ removed: [String],
        _ rollouts: (superseded: [String], starts: [RolloutStart]), _ options: Options, _ store: Store,
        planDigest: String, contents: sending Contents
    ) async throws -> AppliedRevision? {
        let (superseded, starts) = rollouts
        let summary = JSONValue.object([
            ("plan", prepared.summaryJSON),
            (
                "datasets",
                .object(
                    prepared.datasets.map {
                        (
                            $0.dataset.name,
                            .object([
                                ("records", .int($0.recordCount)), ("blocks", .int($0.blocks.count)),
                                ("skipped", .int($0.skippedCount)),
                            ])
                        )
                    })
            ),
        ])
        var batch = ApplyBatch(
            expectedLineage: prepared.state.lineage, expectedSerial: prepared.state.serial, contents: contents,
            newBlocks: newBlocks, reprocess: reprocess, cancel: cancel, pipelines: pipelines,
            removedPipelines: removed,
            revision: revisionInput(prepared, planDigest: planDigest, options: options, summary: summary),
            verifyContents: { try contents.verify() })
        batch.supersededRollouts = superseded
        batch.rolloutStarts = starts
        batch.datasetCuts = prepared.datasets.map { ($0.dataset.name, $0.lastRecordID) }
        // A line per block at debug (planned, restored, reprocessed, cancelled), and one summary line at info.
        let environment = prepared.environment.environment.name
        let transitions = TransitionLog(
            logger: logger, environment: environment,
            datasets: DatasetDirectory(prepared.environment.pipelines.mapValues(\.dataset)))
        var store = store
        store.transitions = transitions.observer
        do {
            let revision = try await store.apply(batch)
            logger.info(
                "applied revision",
                metadata: [
                    "env": "\(environment)", "revision": "\(revision.number)", "planned": "\(newBlocks.count)",
                    "reprocessed": "\(reprocess.count)", "cancelled": "\(cancel.count)",
                ])
            return revision
        } catch let error as StoreError {
            switch error {
            case .staleSerial(let current, let expected):
                throw TraduError.rejected(
                    "saved plan is stale: \(prepared.environment.environment.name) serial \(current), plan was made at"
                        + " \(expected)")
            default: throw error
            }
        }
    }
}

extension ApplyService {
    /// The revision record: the effective manifests, and the freight (carried unchanged by a promotion, else
    /// made of the raw manifests, the datasets just read and the folder's git commit).
    func revisionInput(_ prepared: PreparedPlan, planDigest: String, options: Options, summary: JSONValue)
        -> RevisionInput
    {
        var freightRecord: FreightRecord?
        var gitCommit: String?
        var promotedFrom: String?
        var promotionID: Int64?
        if let release = prepared.release {
            gitCommit = release.freight.gitCommit
            promotedFrom = release.promotedFrom.encoded(sortedKeys: true)
            promotionID = release.promotionID
            if let raw = prepared.raw {
                freightRecord = FreightRecord(
                    id: release.freight.id, rawManifests: raw.json.encoded(), rawDigest: raw.digest,
                    datasetFingerprints: Self.fingerprintsJSON(release.freight.datasetFingerprints),
                    gitBranch: release.gitBranch)
            }
        } else {
            gitCommit = GitRevision.commit(of: prepared.manifestDirectory)
            if let raw = prepared.raw {
                let freight = Freight(
                    manifestDigest: raw.digest, datasetFingerprints: prepared.datasetFingerprints, gitCommit: gitCommit)
                freightRecord = FreightRecord(
                    id: freight.id, rawManifests: raw.json.encoded(), rawDigest: raw.digest,
                    datasetFingerprints: Self.fingerprintsJSON(freight.datasetFingerprints),
                    gitBranch: GitRevision.branch(of: prepared.manifestDirectory))
            }
        }
        return RevisionInput(
            manifestDigest: prepared.manifestDigest, planDigest: planDigest,
            manifests: prepared.manifests.encoded(sortedKeys: true), gitCommit: gitCommit,
            appliedBy: options.appliedBy, message: options.message, summary: summary.encoded(),
            freight: freightRecord, promotedFrom: promotedFrom, promotionID: promotionID)
    }

    static func fingerprintsJSON(_ fingerprints: [String: String]) -> String {
        JSONValue.object(fingerprints.keys.sorted().map { ($0, .string(fingerprints[$0]!)) }).encoded()
    }
}

/// Block contents streamed into an apply, which can tell afterwards whether they were complete: checked inside
/// the apply transaction, so an incomplete stream rolls everything back.
protocol VerifiedContents: Sequence<BlockContentRow> {
    func verify() throws
}

extension BlockContentSource: VerifiedContents {}
extension SpooledRows: VerifiedContents {}
