import Foundation
import Logging
import TraduCore
import TraduStore

/// `tradu rollout status|promote|abort|retry` and `tradu prune`: what people do about rollouts. Every action is
/// recorded with who (`Actor`) and why, in the rollout's events.
public struct RolloutService: Sendable {
    public var directory: String
    public var resolver: DatabaseResolver
    public var logger: Logger

    public init(directory: String, resolver: DatabaseResolver, logger: Logger) {
        self.directory = directory
        self.resolver = resolver
        self.logger = logger
    }

    /// The latest rollout of each pipeline (or of one), with its analyses, events and sample progress.
    public func status(environment: String, pipeline: String?) async throws -> [RolloutReport] {
        try await withStore(environment) { store in
            try await Self.reports(in: store, environment: environment, pipeline: pipeline)
        }
    }

    /// `status` on an open store (the API's reads share it).
    static func reports(in store: Store, environment: String, pipeline: String?) async throws -> [RolloutReport] {
        var reports: [RolloutReport] = []
        for rollout in try await store.latestRollouts() where pipeline == nil || rollout.pipeline == pipeline {
            let progress = try await store.rolloutSampleProgress(rolloutID: rollout.id)
            reports.append(
                RolloutReport(
                    rollout: rollout, analyses: try await store.rolloutAnalyses(rolloutID: rollout.id),
                    events: try await store.rolloutEvents(rolloutID: rollout.id), sampleOpen: progress.open,
                    sampleTotal: progress.total))
        }
        if let pipeline, reports.isEmpty {
            throw TraduError.notFound("pipeline '\(pipeline)' has no rollout in \(environment)")
        }
        return reports
    }

    /// The blocks of the rollout's sample, in the order they were chosen.
    public func sample(environment: String, pipeline: String) async throws -> [String] {
        try await withStore(environment) { store in
            try await store.rolloutSampleIDs(rolloutID: try await Self.latest(pipeline, store, environment).id)
        }
    }

    public enum Request: String, Sendable, CaseIterable {
        /// Skip the remaining analyses: reprocess every block under the new spec and complete.
        case promote
        /// Back to the previous spec, recorded as a revision.
        case abort
        /// A fresh analysis on the same sample, from the first step; a rolled-back rollout runs its spec again.
        case retry
    }

    /// Applies a person's decision to the pipeline's latest rollout. Returns its new state and the revision it
    /// recorded (an abort's rollback, a retry's reinstatement).
    public func act(_ request: Request, environment: String, pipeline: String, message: String, by actor: String)
        async throws -> (state: RolloutState, revision: Int64?)
    {
        try await withStore(environment) { store in
            try await Self.act(
                request, in: store, environment: environment, pipeline: pipeline, message: message, by: actor,
                logger: logger)
        }
    }

    /// `act` on an open store (the API's actions share it).
    static func act(
        _ request: Request, in store: Store, environment: String, pipeline: String, message: String, by actor: String,
        logger: Logger
    ) async throws -> (state: RolloutState, revision: Int64?) {
        let rollout = try await latest(pipeline, store, environment)
        let event: RolloutMachine.Event =
            switch request {
            case .promote: .promote(actor: actor, message: message)
            case .abort: .abort(actor: actor, message: message)
            case .retry: .retry(actor: actor, message: message)
            }
        let actions = RolloutActions(environment: environment, logger: logger)
        switch try await actions.handle(event, on: rollout, store: store, actor: actor, message: message) {
        case .moved:
            throw TraduError.rejected(
                "the rollout of pipeline '\(pipeline)' changed while this command ran; look again with"
                    + " `tradu rollout status`")
        case .done(let state, let revision):
            return (state, revision)
        }
    }

    /// Deletes superseded result versions, keeping `keep` per block (the current one among them).
    public func prune(environment: String, keep: Int) async throws -> Int {
        try await withStore(environment) { store in try await store.pruneResults(keep: keep) }
    }

    private static func latest(_ pipeline: String, _ store: Store, _ environment: String) async throws
        -> RolloutRecord
    {
        guard let rollout = try await store.latestRollouts().first(where: { $0.pipeline == pipeline }) else {
            throw TraduError.notFound("pipeline '\(pipeline)' has no rollout in \(environment)")
        }
        return rollout
    }

    private func withStore<T: Sendable>(_ environment: String, _ body: (Store) async throws -> T) async throws -> T {
        let target = try await EnvironmentTarget.resolve(
            directory: directory, environment: environment, resolver: resolver, logger: logger)
        return try await Store.withStore(
            url: target.url, schema: try EnvironmentSchema(name: target.environment.schema), logger: logger, body)
    }
}

/// One rollout as `tradu rollout status` shows it.
public struct RolloutReport: Sendable {
    public var rollout: RolloutRecord
    public var analyses: [RolloutAnalysisRecord]
    public var events: [RolloutEventRecord]
    /// Sample blocks not final yet, and all of them.
    public var sampleOpen: Int
    public var sampleTotal: Int
}
