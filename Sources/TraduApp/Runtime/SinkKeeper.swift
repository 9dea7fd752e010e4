import Foundation
import Logging
import Synchronization
import TraduCore
import TraduStore

/// Keeps every `jsonl` sink of the applied pipelines current while blocks complete, on the leading controller:
/// within a few seconds of a completion its records are in the sink folder, and a large sink is rewritten no more
/// than `SinkSchedule` allows.
///
/// Layout: the same files as `tradu export` of that pipeline (`<sink>/<language>.jsonl`, in dataset order), each
/// rewritten whole into a temporary file and renamed over the old one, so a reader only ever sees a complete file;
/// `<sink>/.tradu-sink.json` records what the files hold (the pipeline's `SinkSchedule.Signal`), so a controller that
/// takes over rewrites nothing already there. Temporary files a killed writer left behind are removed by the next
/// write.
public final class SinkKeeper: Sendable {
    static let stateFile = ".tradu-sink.json"

    private let schedules = Mutex<[String: SinkSchedule]>([:])
    let minimumInterval: Double
    let logger: Logger

    public init(minimumInterval: Double = 2, logger: Logger) {
        self.minimumInterval = minimumInterval
        self.logger = logger
    }

    /// One pass: rewrites the sinks whose pipeline's results changed and whose turn it is.
    public func keepCurrent(_ store: Store, resolved: ResolvedManifests) async throws {
        let sinks = resolved.pipelines.values.sorted { $0.name < $1.name }.flatMap { pipeline in
            pipeline.sinks.compactMap { sink -> (pipeline: String, path: String)? in
                if case .jsonl(let path) = sink { return (pipeline.name, path) }
                return nil
            }
        }
        guard !sinks.isEmpty else { return }
        let signals = try await store.sinkSignals(pipelines: Array(Set(sinks.map(\.pipeline))).sorted())
        for sink in sinks {
            guard let signal = signals[sink.pipeline] else { continue }
            let key = sink.pipeline + "\u{0}" + sink.path
            var schedule =
                schedules.withLock { $0[key] }
                ?? SinkSchedule(minimumInterval: minimumInterval, written: Self.recorded(in: sink.path, sink.pipeline))
            let now = Date().timeIntervalSince1970
            if case .write = schedule.decide(signal, now: now) {
                let started = ContinuousClock.now
                Self.removeLeftovers(in: sink.path)
                let written = try await ResultExporter().export(
                    from: store, pipeline: sink.pipeline, to: sink.path, flat: true)
                try Self.record(signal, pipeline: sink.pipeline, in: sink.path)
                let seconds = (ContinuousClock.now - started).seconds
                schedule.wrote(signal, startedAt: now, seconds: seconds)
                logger.info(
                    "sink written",
                    metadata: [
                        "pipeline": "\(sink.pipeline)", "path": "\(sink.path)",
                        "records": "\(written.reduce(0) { $0 + $1.records })", "files": "\(written.count)",
                        "duration_ms": "\(Int(seconds * 1000))",
                    ])
            }
            schedules.withLock { $0[key] = schedule }
        }
    }

    /// The signal a sink folder says it holds, when it names this pipeline.
    static func recorded(in directory: String, _ pipeline: String) -> SinkSchedule.Signal? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + stateFile),
            let state = try? JSONDecoder().decode(State.self, from: data), state.pipeline == pipeline
        else { return nil }
        return state.signal
    }

    static func record(_ signal: SinkSchedule.Signal, pipeline: String, in directory: String) throws {
        let data = try JSONEncoder().encode(State(pipeline: pipeline, signal: signal))
        try ResultExporter.writeAtomically(
            String(decoding: data, as: UTF8.self) + "\n", to: directory + "/" + stateFile)
    }

    /// Temporary files of a write that never finished (its process was killed before the rename).
    static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    struct State: Codable {
        var pipeline: String
        var signal: SinkSchedule.Signal
    }
}
