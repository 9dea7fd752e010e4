import Logging
import Synchronization
import TraduCore
import TraduStore

/// One structured log line per block transition, from the process that made it, so a block's path can be rebuilt
/// from logs alone (in Loki: `{app="tradu"} | json | block_id="<id>"`), as `tradu trace` shows it from the
/// database. Every line is `block transition` with `block_id`, `data_id` (the dataset), `pipeline`, `env`,
/// `instance_id`, `attempt`, `from`, `to`, `reason`, and when they apply `error_class`, `error` and `duration_ms`;
/// the logger's `request_id` names the claim batch, the reconcile cycle or the command.
///
/// The success path (planned, scheduled, claimed, completed) logs at debug, so a run at the default level stays
/// quiet; retries, requeues, recoveries, cancellations and operator actions at info; a block failed for good at
/// warning.
public struct TransitionLog: Sendable {
    /// The claim batch, commit or reconcile cycle the transitions belong to: set around the store call that makes
    /// them. Without it, the logger's own `request_id` (a command's), else one per statement.
    @TaskLocal public static var requestID: String?

    public var logger: Logger
    public let environment: String
    /// Each pipeline's dataset, for `data_id`, as the process last loaded the applied revision.
    public let datasets: DatasetDirectory

    public init(logger: Logger, environment: String, datasets: DatasetDirectory = DatasetDirectory()) {
        self.logger = logger
        self.environment = environment
        self.datasets = datasets
    }

    /// `opener`, with every store it opens reporting its transitions to this log.
    public func reporting(_ opener: @escaping @Sendable () async throws -> Store) -> @Sendable () async throws -> Store
    {
        let observer = self.observer
        return {
            var store = try await opener()
            store.transitions = observer
            return store
        }
    }

    /// Whether success-path lines are written: callers skip gathering them when not.
    public var logsEveryTransition: Bool { logger.logLevel <= .debug }

    /// The observer a store reports its transitions to: every one when debug lines are written, else only those
    /// logged at info and above.
    public var observer: TransitionObserver {
        let log = self
        return TransitionObserver(everyTransition: logsEveryTransition) { log.record($0) }
    }

    public func record(_ transitions: [BlockTransition]) {
        let requestID =
            Self.requestID.map(Logger.MetadataValue.string)
            ?? logger[metadataKey: "request_id"] ?? .string(RequestID.make())
        for transition in transitions { record(transition, requestID: requestID) }
    }

    func record(_ transition: BlockTransition, requestID: Logger.MetadataValue) {
        let level = Self.level(of: transition)
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "block_id": .string(transition.blockID), "pipeline": .string(transition.pipeline),
            "data_id": .string(datasets[transition.pipeline] ?? ""), "env": .string(environment),
            "request_id": requestID,
            "attempt": .stringConvertible(transition.attempt), "to": .string(transition.to.rawValue),
            "reason": .string(transition.reason), "instance_id": .string(transition.instanceID ?? ""),
        ]
        if let from = transition.from { metadata["from"] = .string(from.rawValue) }
        if let errorClass = transition.errorClass { metadata["error_class"] = .string(errorClass) }
        if let error = transition.error { metadata["error"] = .string(error) }
        if let duration = transition.durationMilliseconds { metadata["duration_ms"] = .stringConvertible(duration) }
        logger.log(level: level, "block transition", metadata: metadata)
    }

    /// Debug for the success path, warning for a block that failed for good, info for the rest (what an operator
    /// should see).
    static func level(of transition: BlockTransition) -> Logger.Level {
        if transition.isSuccessPath { return .debug }
        return transition.to == .failed ? .warning : .info
    }
}

/// Each pipeline's dataset, as the process last loaded the applied revision: `data_id` on transition lines.
public final class DatasetDirectory: Sendable {
    private let names = Mutex<[String: String]>([:])

    public init(_ names: [String: String] = [:]) {
        self.names.withLock { $0 = names }
    }

    /// Learns the pipelines of a revision (pipeline → dataset); pipelines it no longer has keep their name.
    public func learn(_ pipelines: [String: String]) {
        names.withLock { $0.merge(pipelines) { _, new in new } }
    }

    public subscript(pipeline: String) -> String? { names.withLock { $0[pipeline] } }
}
