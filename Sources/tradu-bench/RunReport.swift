import Foundation

/// Every figure of one `tradu-bench run`, and the target.
struct RunReport {
    static let targetBlocksPerSecond = 5_000.0

    var blocks: Int
    var concurrency: Int
    /// The environment's `maxBlocksInFlight` when the run measured a capped flow (the target is for uncapped).
    var maxInFlight: Int?
    var bytes: Int64 = 0
    var database = ""
    var postgresVersion = ""
    var apply = Measurement()
    /// From the start of `Runner.run` to its return (includes the drain after the last block).
    var run = Measurement()
    /// Server clock: from just before `Runner.run` to the last `completed` event (0 when unknown).
    var lastCompletedSeconds = 0.0
    /// Client clock: from the start of `Runner.run` to the first progress callback that saw every block final.
    var observedFinalSeconds = 0.0
    var completed = 0
    var failed = 0
    var otherStates = 0
    var resultRows = 0
    var events: [String: Int] = [:]
    var claimP50 = 0.0
    var claimP99 = 0.0
    var enqueueP50 = 0.0
    var enqueueP99 = 0.0
    var pgbench = Measurement()
    var pgbenchTPS = 0.0
    var pgbenchCommand = ""
    var pgbenchPath = ""
    var pgbenchError: String?

    /// Start until every block is final: the last completion's commit time when known, else the runner's view.
    var finalSeconds: Double {
        lastCompletedSeconds > 0
            ? lastCompletedSeconds : (observedFinalSeconds > 0 ? observedFinalSeconds : run.seconds)
    }
    var blocksPerSecond: Double { finalSeconds > 0 ? Double(completed) / finalSeconds : 0 }
    var ratioToPgbench: Double { pgbenchTPS > 0 ? blocksPerSecond / pgbenchTPS : 0 }
    var peakMiB: Double { max(apply.rssMiB, run.rssMiB) }
    var verified: Bool { completed == blocks && resultRows == blocks && failed == 0 && otherStates == 0 }
    var targetPass: Bool { verified && blocksPerSecond >= Self.targetBlocksPerSecond }

    func table() -> String {
        var lines: [String] = []
        lines.append("")
        lines.append(
            "tradu-bench run: \(Format.int(blocks)) one-document blocks (~\(RunBench.documentBytes) B, \(Format.bytes(bytes))"
                + " JSONL), pseudo engine, 1 target language, worker concurrency \(concurrency)")
        lines.append("database: \(database), PostgreSQL \(postgresVersion)")
        lines.append(
            String(
                format: "apply (not in the throughput): %@, client CPU %.2f s, server CPU %.2f s",
                Format.seconds(apply.seconds), apply.clientCPU, apply.serverCPU))
        lines.append("")
        var cells: [[String]] = [["figure", "value"]]
        cells.append(["end to end (start -> last block final)", Format.seconds(finalSeconds)])
        cells.append(["blocks/s end to end", Format.int(Int(blocksPerSecond.rounded()))])
        cells.append(["claim -> complete p50", Self.millis(claimP50)])
        cells.append(["claim -> complete p99", Self.millis(claimP99)])
        cells.append(["enqueue -> complete p50", Self.millis(enqueueP50)])
        cells.append(["enqueue -> complete p99", Self.millis(enqueueP99)])
        if pgbenchTPS > 0 {
            cells.append(["pgbench -N TPS (c4 j2)", Format.int(Int(pgbenchTPS.rounded()))])
            cells.append(["blocks/s / pgbench TPS", String(format: "%.2f", ratioToPgbench)])
        } else {
            cells.append(["pgbench -N TPS", "n/a" + (pgbenchError == nil ? " (skipped)" : " (failed)")])
        }
        cells.append(["peak RSS", String(format: "%.0f MiB", peakMiB)])
        cells.append([
            "client CPU (run)", String(format: "%.2f s (%.0f%% of a core)", run.clientCPU, percent(run.clientCPU)),
        ])
        cells.append([
            "server CPU (run)", String(format: "%.2f s (%.0f%% of a core)", run.serverCPU, percent(run.serverCPU)),
        ])
        cells.append(["client CPU per block", String(format: "%.0f us", run.clientCPU / Double(max(blocks, 1)) * 1e6)])
        cells.append(["server CPU per block", String(format: "%.0f us", run.serverCPU / Double(max(blocks, 1)) * 1e6)])
        if pgbenchTPS > 0 {
            cells.append([
                "server CPU per pgbench txn",
                String(format: "%.0f us", pgbench.serverCPU / max(pgbenchTPS * pgbench.seconds, 1) * 1e6),
            ])
        }
        let widths = [0, 1].map { column in cells.map { $0[column].count }.max() ?? 0 }
        for (index, row) in cells.enumerated() {
            let line =
                row[0].padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: widths[1] - row[1].count) + row[1]
            lines.append(line)
            if index == 0 { lines.append(String(repeating: "-", count: line.count)) }
        }
        lines.append("")
        lines.append(
            "runner returned after \(Format.seconds(run.seconds)) (drain included); progress saw all final after"
                + " \(Format.seconds(observedFinalSeconds)) (250 ms polling)")
        lines.append(
            "verified: \(completed) completed, \(resultRows) result rows, \(failed) failed, \(otherStates) other;"
                + " events: "
                + events.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append(
            "latencies from block_events.at (clock_timestamp() of each event's INSERT, in its transaction);"
                + " percentile_cont in SQL")
        if !pgbenchCommand.isEmpty { lines.append("reference: \(pgbenchCommand) (\(pgbenchPath))") }
        if let pgbenchError { lines.append("pgbench failed: \(pgbenchError)") }
        lines.append(
            "published comparison on this machine kind (not measured here): Celery+Redis ~620 tasks/s,"
                + " Procrastinate ~580 jobs/s")
        lines.append("")
        if let maxInFlight {
            lines.append(
                "capped run (maxBlocksInFlight \(maxInFlight)): the 5,000 blocks/s target applies to uncapped runs;"
                    + String(
                        format: " %.1f blocks in flight turned over per second", blocksPerSecond / Double(maxInFlight)))
            return lines.joined(separator: "\n") + (verified ? "" : "\n  VERIFICATION FAILED")
        }
        lines.append("target:")
        lines.append(
            String(
                format: "  %@  >= 5,000 blocks/s end to end: %@ blocks/s%@", targetPass ? "PASS" : "MISS",
                Format.int(Int(blocksPerSecond.rounded())), verified ? "" : " (VERIFICATION FAILED)"))
        return lines.joined(separator: "\n")
    }

    private func percent(_ cpu: Double) -> Double { run.seconds > 0 ? cpu / run.seconds * 100 : 0 }

    static func millis(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    func json() -> String {
        var object: [String: Any] = [
            "formatVersion": 1, "blocks": blocks, "concurrency": concurrency, "bytes": bytes,
            "maxBlocksInFlight": maxInFlight.map { $0 as Any } ?? NSNull(),
            "database": database, "postgresVersion": postgresVersion,
            "apply": [
                "seconds": apply.seconds, "clientCPUSeconds": apply.clientCPU, "serverCPUSeconds": apply.serverCPU,
            ],
            "run": [
                "finalSeconds": finalSeconds, "lastCompletedSeconds": lastCompletedSeconds,
                "observedFinalSeconds": observedFinalSeconds, "runnerSeconds": run.seconds,
                "blocksPerSecond": blocksPerSecond, "clientCPUSeconds": run.clientCPU,
                "serverCPUSeconds": run.serverCPU,
            ],
            "latencySeconds": [
                "claimToCompleteP50": claimP50, "claimToCompleteP99": claimP99,
                "enqueueToCompleteP50": enqueueP50, "enqueueToCompleteP99": enqueueP99,
            ],
            "verification": [
                "completed": completed, "resultRows": resultRows, "failed": failed, "otherStates": otherStates,
                "passed": verified,
            ],
            "events": events,
            "peakRSSMiB": peakMiB,
            "targets": ["blocksPerSecondAtLeast5000": targetPass],
            "publishedComparison": ["celeryRedisTasksPerSecond": 620, "procrastinateJobsPerSecond": 580],
        ]
        var reference: [String: Any] = [
            "tps": pgbenchTPS, "ratio": ratioToPgbench, "command": pgbenchCommand,
            "serverCPUSeconds": pgbench.serverCPU,
        ]
        if let pgbenchError { reference["error"] = pgbenchError }
        object["pgbench"] = reference
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
