/// Every metric tradu exports, by name: the single list the code records under and that the Grafana
/// dashboard and the Prometheus alert rules (deploy/) are checked against.
public enum MetricNames {
    /// A pipeline's rollout (gauges, written by the leading controller): the 1-based step, 0 when none runs; each
    /// analysis figure's measured value, labelled `metric` and `result` (`pass`/`fail`). Rollbacks counted.
    public static let rolloutStep = "tradu_rollout_step"
    public static let rolloutAnalysis = "tradu_rollout_analysis"
    public static let rollbacks = "tradu_rollbacks_total"
    /// What attempts cost, failed and refused ones included, in millionths of `currency`. Labels: `env`,
    /// `pipeline`, `engine`, `currency` (engines with `pricing` only).
    public static let costMicros = "tradu_cost_micros_total"
    /// Answers refused by an output check, by `pipeline` and `check` (untranslated, empty, lengthRatio,
    /// placeholders, markup).
    public static let outputCheckFailures = "tradu_output_check_failures_total"
    /// Documents and blocks read by `tradu plan` / `apply` (ingestion). Label: `dataset`.
    public static let documentsPlanned = "tradu_documents_planned_total"
    public static let blocksPlanned = "tradu_blocks_planned_total"
    /// Blocks by state, per environment and pipeline (gauge, written by the leading controller).
    public static let blocksByState = "tradu_blocks"
    /// Blocks and documents completed (throughput). Labels: `env`, `pipeline`.
    public static let blocksCompleted = "tradu_blocks_completed_total"
    public static let documentsCompleted = "tradu_documents_completed_total"
    /// Failed attempts by error class; retries scheduled; blocks dead-lettered.
    public static let attemptsFailed = "tradu_block_attempts_failed_total"
    public static let retries = "tradu_block_retries_total"
    public static let deadLettered = "tradu_blocks_dead_lettered_total"
    /// Latency per stage, seconds (histograms): queued → claimed, claimed → started, processing, end to end.
    public static let queuedToClaimed = "tradu_stage_queued_to_claimed_seconds"
    public static let processing = "tradu_stage_processing_seconds"
    public static let endToEnd = "tradu_stage_end_to_end_seconds"
    /// Engine requests: latency, tokens, errors by class.
    public static let engineLatency = "tradu_engine_request_seconds"
    public static let engineTokens = "tradu_engine_tokens_total"
    public static let engineErrors = "tradu_engine_errors_total"
    /// Translation memory hits and misses (segments).
    public static let memoryHits = "tradu_translation_memory_hits_total"
    /// Blocks whose requests were handed to a provider batch (`mode: batch`).
    public static let blocksBatched = "tradu_blocks_batched_total"
    /// Provider batches submitted, and ended by provider status.
    public static let providerBatches = "tradu_provider_batches_total"
    public static let memoryMisses = "tradu_translation_memory_misses_total"
    /// Instance heartbeats sent; instances marked dead by a controller; whether this controller leads.
    public static let heartbeats = "tradu_instance_heartbeats_total"
    public static let instancesDead = "tradu_instances_marked_dead_total"
    /// Blocks a controller's watchdogs took back, by `reason` (`lease_expired`, `instance_dead`, `stalled`) and
    /// where they went (`to`: `enqueued`, or `failed` when out of attempts).
    public static let blocksRecovered = "tradu_blocks_recovered_total"
    /// Leases a worker found lost at a heartbeat (its work on them stopped), and instances that rejoined after
    /// being declared dead while alive.
    public static let leasesLost = "tradu_leases_lost_total"
    public static let instanceRejoins = "tradu_instance_rejoins_total"
    public static let leader = "tradu_controller_leader"
    /// Database reachability as seen by this process (1 up, 0 down).
    public static let databaseUp = "tradu_database_up"
    /// Whether the database accepts writes, by this process's write probe (1 yes, 0 no: disk full, ...).
    public static let databaseWritable = "tradu_database_writable"
    /// Database errors met by the runtime and its readiness probe, by SQLSTATE class (`class`: `53`, `08`, `57`,
    /// ...) and `role`.
    public static let databaseErrors = "tradu_database_errors_total"

    public static let all: [String] = [
        documentsPlanned, blocksPlanned, blocksByState, blocksCompleted, documentsCompleted, attemptsFailed, retries,
        deadLettered, queuedToClaimed, processing, endToEnd, engineLatency, engineTokens, engineErrors, memoryHits,
        memoryMisses, heartbeats, instancesDead, blocksRecovered, leasesLost, instanceRejoins, leader, databaseUp,
        databaseWritable, databaseErrors, rolloutStep, rolloutAnalysis, rollbacks, outputCheckFailures,
        costMicros, blocksBatched, providerBatches,
    ]
}
