import TraduCore

/// Value types exchanged with the controller and the workers (DESIGN §4). Timestamps are RFC 3339 text in UTC.

/// One process (controller, worker or `tradu run`) as registered in the instances table.
public struct InstanceInfo: Sendable, Hashable {
    public var id: String
    /// `worker`, `controller` or `run`.
    public var role: String
    public var host: String
    public var pid: Int32
    public var version: String
    /// Blocks the process works on at once (0 for a controller).
    public var concurrency: Int

    public init(id: String, role: String, host: String, pid: Int32, version: String, concurrency: Int) {
        self.id = id
        self.role = role
        self.host = host
        self.pid = pid
        self.version = version
        self.concurrency = concurrency
    }
}

/// A block a worker claimed: everything it needs to process it, and the fencing token (`id`, `attempt`) that
/// every later write of the worker must present.
public struct ClaimedBlock: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    public var blockHash: String
    public var targetLanguage: String
    /// This claim's attempt; only ever grows.
    public var attempt: Int
    /// The attempt at the last (re)plan or manual retry: attempts used so far = `attempt - attemptBase`.
    public var attemptBase: Int
    public var specHash: String
    /// The block's input, JSON Lines `{"id":..,"text":..}`.
    public var records: String
    /// RFC 3339 UTC with milliseconds.
    public var leaseExpiresAt: String
    /// Seconds the block waited in `enqueued` before this claim, and since it was created (for latency metrics).
    public var queuedSeconds: Double
    public var ageSeconds: Double
    /// The revision that last planned the block when it was claimed (nil when not read): what its attempt's spend
    /// is counted under.
    public var revision: Int64?

    public init(
        id: String, pipeline: String, blockHash: String, targetLanguage: String, attempt: Int, attemptBase: Int,
        specHash: String, records: String, leaseExpiresAt: String, queuedSeconds: Double = 0, ageSeconds: Double = 0,
        revision: Int64? = nil
    ) {
        self.revision = revision
        self.queuedSeconds = queuedSeconds
        self.ageSeconds = ageSeconds
        self.id = id
        self.pipeline = pipeline
        self.blockHash = blockHash
        self.targetLanguage = targetLanguage
        self.attempt = attempt
        self.attemptBase = attemptBase
        self.specHash = specHash
        self.records = records
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// A finished attempt to commit with its results. `pipeline` and `targetLanguage` are informative: the stored
/// result takes them from the block row.
public struct CompletedBlock: Sendable, Hashable {
    public var id: String
    public var attempt: Int
    public var instanceID: String
    public var pipeline: String
    public var targetLanguage: String
    /// The results, JSON Lines.
    public var records: String
    public var inputTokens: Int
    public var outputTokens: Int
    public var memoryHits: Int
    /// What the attempt cost, in millionths of `currency` (0 and "" when the engine has no pricing).
    public var costMicros: Int64 = 0
    public var currency = ""
    /// Units (documents or sentences) the engine translated, and units served from memory or repeated in the
    /// block: what `tradu status` reports as translated and reused.
    public var segmentsTranslated = 0
    public var segmentsReused = 0
    /// The block's revision when its worker claimed it (`ClaimedBlock.revision`). Given, the completion counts the
    /// attempt's spend under it without reading the block again; nil, it reads the block's row.
    public var revision: Int64?
    /// The memory key of the block's one unit, given when that unit's translation is the whole translation of the
    /// block's one document: the result then stands as the memory's entry for the key (migration 26), and the
    /// completion writes no `translation_memory` row for it.
    public var memoryKey: String?

    public init(
        id: String, attempt: Int, instanceID: String, pipeline: String, targetLanguage: String, records: String,
        inputTokens: Int = 0, outputTokens: Int = 0, memoryHits: Int = 0
    ) {
        self.id = id
        self.attempt = attempt
        self.instanceID = instanceID
        self.pipeline = pipeline
        self.targetLanguage = targetLanguage
        self.records = records
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.memoryHits = memoryHits
    }
}

/// A failed attempt: retried after `retryAfter`, or dead-lettered (`failed`) when it is nil.
public struct FailedAttempt: Sendable, Hashable {
    public var id: String
    public var attempt: Int
    public var instanceID: String
    /// An `ErrorClass` raw value (`capacity`, `dependency`, `data`, `infrastructure`, `logic`).
    public var errorClass: String
    public var message: String
    public var retryAfter: Duration?
    /// Tokens the attempt used before it failed (the engine charges them all the same) and their cost.
    public var inputTokens = 0
    public var outputTokens = 0
    public var costMicros: Int64 = 0
    public var currency = ""

    public init(
        id: String, attempt: Int, instanceID: String, errorClass: String, message: String, retryAfter: Duration?
    ) {
        self.id = id
        self.attempt = attempt
        self.instanceID = instanceID
        self.errorClass = errorClass
        self.message = message
        self.retryAfter = retryAfter
    }
}

/// The controller leader lease as seen by one candidate after `acquireLeadership`.
public struct Leadership: Sendable, Hashable {
    /// Whether the caller leads until `expiresAt`.
    public var isLeader: Bool
    /// The current leader (the caller or another).
    public var holder: String
    /// Grows at every change of leader.
    public var term: Int64
    /// RFC 3339 UTC with milliseconds.
    public var expiresAt: String

    public init(isLeader: Bool, holder: String, term: Int64, expiresAt: String) {
        self.isLeader = isLeader
        self.holder = holder
        self.term = term
        self.expiresAt = expiresAt
    }
}

/// A pipeline's blocks as the rotator needs them, each count bounded by how far it can matter: `waiting`
/// (`created`) up to what one scheduling step may take, `inFlight` (`claimed` + `enqueued` + `in_process`)
/// up to the largest cap that applies. Bounded counts cost what the caps allow, not what the table holds.
public struct PipelineDemand: Sendable, Hashable {
    public var pipeline: String
    public var waiting: Int
    public var inFlight: Int

    public init(pipeline: String, waiting: Int, inFlight: Int) {
        self.pipeline = pipeline
        self.waiting = waiting
        self.inFlight = inFlight
    }
}

/// How many `created` blocks of a pipeline the rotator may enqueue now.
public struct PipelineQuota: Sendable, Hashable {
    public var pipeline: String
    public var limit: Int

    public init(pipeline: String, limit: Int) {
        self.pipeline = pipeline
        self.limit = limit
    }
}

/// A block a watchdog took back from its worker: `to` is `enqueued`, or `failed` when out of attempts.
public struct RecoveredBlock: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    public var attempt: Int
    public var to: String
    /// The worker that held it.
    public var instanceID: String?
    /// Why the watchdog took it back, as its event says: "lease expired", "instance dead" or "block timeout".
    public var reason: String

    public init(
        id: String, pipeline: String, attempt: Int, to: String, instanceID: String? = nil, reason: String
    ) {
        self.id = id
        self.pipeline = pipeline
        self.attempt = attempt
        self.to = to
        self.instanceID = instanceID
        self.reason = reason
    }
}

/// One line of `tradu blocks list`.
public struct BlockSummary: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    public var targetLanguage: String
    public var state: BlockState
    public var attempt: Int
    public var attemptBase: Int
    public var errorClass: String?
    public var lastError: String?
    /// RFC 3339 UTC.
    public var updatedAt: String

    public init(
        id: String, pipeline: String, targetLanguage: String, state: BlockState, attempt: Int, attemptBase: Int,
        errorClass: String?, lastError: String?, updatedAt: String
    ) {
        self.id = id
        self.pipeline = pipeline
        self.targetLanguage = targetLanguage
        self.state = state
        self.attempt = attempt
        self.attemptBase = attemptBase
        self.errorClass = errorClass
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

/// A pipeline's status as written by the leading controller. `counts` and `conditions` are JSON text.
public struct PipelineStatusRow: Sendable, Hashable {
    public var pipeline: String
    /// A JSON object, state → count.
    public var counts: String
    /// A JSON array of conditions.
    public var conditions: String
    public var observedGeneration: Int64
    /// RFC 3339 UTC; set when read back, ignored when written.
    public var updatedAt: String?

    public init(
        pipeline: String, counts: String, conditions: String, observedGeneration: Int64, updatedAt: String? = nil
    ) {
        self.pipeline = pipeline
        self.counts = counts
        self.conditions = conditions
        self.observedGeneration = observedGeneration
        self.updatedAt = updatedAt
    }
}

/// One completed block's results, for export.
public struct ResultRow: Sendable, Hashable {
    public var blockID: String
    public var pipeline: String
    public var targetLanguage: String
    public var ordinal: Int
    /// JSON Lines.
    public var records: String

    public init(blockID: String, pipeline: String, targetLanguage: String, ordinal: Int, records: String) {
        self.blockID = blockID
        self.pipeline = pipeline
        self.targetLanguage = targetLanguage
        self.ordinal = ordinal
        self.records = records
    }
}

/// One state change of a block, from the append-only event log.
public struct BlockEvent: Sendable, Hashable {
    /// Orders the events of a block.
    public var sequence: Int64
    public var blockID: String
    /// nil when the block was created.
    public var fromState: BlockState?
    public var toState: BlockState
    public var instanceID: String?
    public var attempt: Int
    public var reason: String?
    public var errorClass: String?
    public var error: String?
    /// RFC 3339 UTC with milliseconds.
    public var at: String

    public init(
        sequence: Int64, blockID: String, fromState: BlockState?, toState: BlockState, instanceID: String?,
        attempt: Int,
        reason: String?, errorClass: String?, error: String?, at: String
    ) {
        self.sequence = sequence
        self.blockID = blockID
        self.fromState = fromState
        self.toState = toState
        self.instanceID = instanceID
        self.attempt = attempt
        self.reason = reason
        self.errorClass = errorClass
        self.error = error
        self.at = at
    }
}
