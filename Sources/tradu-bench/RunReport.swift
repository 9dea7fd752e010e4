import Foundation

/// Every figure of one `tradu-bench run`, and the target.
struct RunReport {
    /// The targets on a durable server with 4 slots: processing, end to end, and against pgbench -N.
    static let targetBlocksPerSecond = 8_000.0
    static let targetEndToEndBlocksPerSecond = 7_000.0
    static let targetRatioToPgbench = 2.0

    var blocks: Int
    var concurrency: Int
    /// The environment's `maxBlocksInFlight` when the run measured a capped flow (the target is for uncapped).
    var maxInFlight: Int?
    var bytes: Int64 = 0
    var database = ""
    /// False when the embedded server ran with fsync off: every figure is labelled so.
    var durable = true
    /// With `--event-rows`: the hot transitions wrote their events as rows, not chunks (migration 27).
    var eventRows = false
    var postgresVersion = ""
    /// What the database spent on the apply, and on the run (WAL, rows, dead tuples, index reads, sizes).
    var applyCost = CostProbe.Cost()
    var runCost = CostProbe.Cost()
    var apply = Measurement()
    /// From the start of `Runner.run` to its return (includes the drain after the last block).
    var run = Measurement()
    /// Server clock: from just before `Runner.run` to the last `completed` event (0 when unknown).
    var lastCompletedSeconds = 0.0
    /// Server clock: from just before `Runner.run` to the first claim (0 when unknown): how long idle workers
    /// wait for the controller's first scheduling step.
    var firstClaimSeconds = 0.0
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
    /// With `--statements`: the run's costliest statements (apply's are not counted).
    var statements: [StatementCost] = []
    /// With `--statements`: the run's statements that were JIT-compiled (none is the expected answer).
    var compiledStatements: [StatementCost] = []
    /// With `--wal-records`: the run's WAL by record type, the largest first.
    var walRecords: [WalRecordKind] = []
    /// With `--wal-records`: the run's WAL by the relation each record touched, the largest first.
    var walRelations: [WalRelationShare] = []

    /// Start until every block is final: the last completion's commit time when known, else the runner's view.
    var finalSeconds: Double {
        lastCompletedSeconds > 0
            ? lastCompletedSeconds : (observedFinalSeconds > 0 ? observedFinalSeconds : run.seconds)
    }
    var blocksPerSecond: Double { finalSeconds > 0 ? Double(completed) / finalSeconds : 0 }
    /// Blocks per second including the plan and apply that put them there.
    var endToEndBlocksPerSecond: Double {
        let seconds = finalSeconds + apply.seconds
        return seconds > 0 ? Double(completed) / seconds : 0
    }
    private var perBlock: Double { Double(max(blocks, 1)) }
    var serverMicrosecondsPerBlock: Double { run.serverCPU / perBlock * 1e6 }
    var clientMicrosecondsPerBlock: Double { run.clientCPU / perBlock * 1e6 }
    var walBytesPerBlock: Double { Double(runCost.walBytes) / perBlock }
    var applyWALBytesPerBlock: Double { Double(applyCost.walBytes) / perBlock }
    var rowsWrittenPerBlock: Double { Double(runCost.rowsWritten) / perBlock }
    var bytesPerBlock: Double { Double(runCost.totalBytes) / perBlock }
    var claimIndexTuplesPerScan: Double { runCost.tuplesPerScan("blocks_claimable") }
    /// "" on a durable server, else a label every printed figure carries.
    var safety: String { durable ? "" : " [UNSAFE: fsync off]" }
    var ratioToPgbench: Double { pgbenchTPS > 0 ? blocksPerSecond / pgbenchTPS : 0 }
    var peakMiB: Double { max(apply.rssMiB, run.rssMiB) }
    var verified: Bool { completed == blocks && resultRows == blocks && failed == 0 && otherStates == 0 }
    var targetPass: Bool { verified && blocksPerSecond >= Self.targetBlocksPerSecond }
    var endToEndTargetPass: Bool { verified && endToEndBlocksPerSecond >= Self.targetEndToEndBlocksPerSecond }
    var ratioTargetPass: Bool { verified && ratioToPgbench >= Self.targetRatioToPgbench }

    func table() -> String {
        var lines: [String] = []
        lines.append("")
        lines.append(
            "tradu-bench run: \(Format.int(blocks)) one-document blocks (~\(RunBench.documentBytes) B, \(Format.bytes(bytes))"
                + " JSONL), pseudo engine, 1 target language, worker concurrency \(concurrency)")
        lines.append("database: \(database), PostgreSQL \(postgresVersion)\(safety)")
        if eventRows { lines.append("events: the hot transitions wrote rows (--event-rows), not chunks") }
        lines.append(
            String(
                format: "apply (not in the throughput): %@, client CPU %.2f s, server CPU %.2f s",
                Format.seconds(apply.seconds), apply.clientCPU, apply.serverCPU))
        lines.append("")
        var cells: [[String]] = [["figure", "value"]]
        cells.append(["end to end (start -> last block final)", Format.seconds(finalSeconds)])
        cells.append(["blocks/s processing (enqueue -> last block final)", Format.int(Int(blocksPerSecond.rounded()))])
        cells.append(["blocks/s end to end (apply included)", Format.int(Int(endToEndBlocksPerSecond.rounded()))])
        cells.append(["start -> first claim", Self.millis(firstClaimSeconds)])
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
        cells.append(["client CPU per block", String(format: "%.0f us", clientMicrosecondsPerBlock)])
        cells.append(["server CPU per block", String(format: "%.0f us", serverMicrosecondsPerBlock)])
        cells.append(["WAL per block (run)", String(format: "%.0f B", walBytesPerBlock)])
        cells.append(["WAL per block (apply)", String(format: "%.0f B", applyWALBytesPerBlock)])
        cells.append(["rows written per block (run)", String(format: "%.2f", rowsWrittenPerBlock)])
        cells.append(["claim index tuples read per scan", String(format: "%.1f", claimIndexTuplesPerScan)])
        cells.append(["table + index bytes per block (end)", String(format: "%.0f B", bytesPerBlock)])
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
            "latencies from the events' at (each transition statement's clock_timestamp(), rows and chunks);"
                + " percentile_cont in SQL")
        lines.append("rows written in the run, by table (inserted/updated (HOT)/deleted; dead at end; size):")
        for (name, rows) in runCost.tables.sorted(by: { $0.key < $1.key }) where rows.written > 0 || rows.dead > 0 {
            lines.append(
                "  \(name): \(rows.inserted)/\(rows.updated) (\(rows.hotUpdated))/\(rows.deleted); dead \(rows.dead);"
                    + " \(Format.bytes(rows.tableBytes)) + \(Format.bytes(rows.indexBytes)) indexes")
        }
        if !statements.isEmpty {
            lines.append("statements with the most server time in the run (pg_stat_statements; per block of the run):")
            for statement in statements {
                let microseconds = statement.milliseconds * 1_000 / perBlock
                let wal = Double(statement.walBytes) / perBlock
                lines.append(
                    "  \(Format.int(Int(statement.milliseconds.rounded()))) ms, \(Format.int(statement.calls)) calls, "
                        + String(
                            format: "%.1f µs, %.0f B WAL, max %.1f ms: ", microseconds, wal, statement.maxMilliseconds)
                        + statement.text)
            }
            if compiledStatements.isEmpty {
                lines.append("statements JIT-compiled in the run: none")
            } else {
                lines.append("statements JIT-compiled in the run (functions, compile time in all calls):")
                for statement in compiledStatements {
                    lines.append(
                        "  \(Format.int(statement.calls)) calls, \(Format.int(statement.jitFunctions)) functions, "
                            + String(
                                format: "%.1f ms compiling of %.1f ms: ", statement.jitMilliseconds,
                                statement.milliseconds) + statement.text)
                }
            }
        }
        if !walRecords.isEmpty {
            lines.append("the run's WAL by record type (pg_waldump --stats=record; per block of the run):")
            // Measured: 7,133 against 8,296 blocks/s at a million blocks (docs/PERFORMANCE.md, sixteenth session).
            lines.append(
                "  (the server kept every WAL segment for pg_waldump and made new ones instead of recycling old ones:"
                    + " this run's speed compares only with runs made with --wal-records too)")
            lines += walRecords.prefix(WalRecords.shown).map {
                walLine($0.type, count: $0.count, bytes: $0.bytes, fullPageBytes: $0.fullPageBytes)
            }
        }
        if !walRelations.isEmpty {
            lines.append("the run's WAL by relation (pg_waldump, the first block each record references; per block):")
            lines += walRelations.prefix(WalRecords.shown).map {
                walLine($0.relation, count: $0.count, bytes: $0.bytes, fullPageBytes: nil)
            }
        }
        if !pgbenchCommand.isEmpty { lines.append("reference: \(pgbenchCommand) (\(pgbenchPath))") }
        if let pgbenchError { lines.append("pgbench failed: \(pgbenchError)") }
        lines.append(
            "published comparison on this machine kind (not measured here): Celery+Redis ~620 tasks/s,"
                + " Procrastinate ~580 jobs/s")
        lines.append("")
        if let maxInFlight {
            lines.append(
                "capped run (maxBlocksInFlight \(maxInFlight)): the blocks/s targets apply to uncapped runs;"
                    + String(
                        format: " %.1f blocks in flight turned over per second", blocksPerSecond / Double(maxInFlight)))
            return lines.joined(separator: "\n") + (verified ? "" : "\n  VERIFICATION FAILED")
        }
        lines.append("targets (durable server, 4 slots)\(safety):")
        lines.append(
            String(
                format: "  %@  >= 8,000 blocks/s processing: %@ blocks/s%@", targetPass ? "PASS" : "MISS",
                Format.int(Int(blocksPerSecond.rounded())), verified ? "" : " (VERIFICATION FAILED)"))
        lines.append(
            String(
                format: "  %@  >= 7,000 blocks/s end to end (apply included): %@ blocks/s",
                endToEndTargetPass ? "PASS" : "MISS", Format.int(Int(endToEndBlocksPerSecond.rounded()))))
        if pgbenchTPS > 0 {
            lines.append(
                String(
                    format: "  %@  >= 2.0x pgbench -N: %.2fx", ratioTargetPass ? "PASS" : "MISS", ratioToPgbench))
        }
        return lines.joined(separator: "\n")
    }

    private func percent(_ cpu: Double) -> Double { run.seconds > 0 ? cpu / run.seconds * 100 : 0 }

    /// `  name: 1.23 records, 456 B (7 B full pages)`, per block of the run.
    private func walLine(_ name: String, count: Int, bytes: Int64, fullPageBytes: Int64?) -> String {
        let fullPages = fullPageBytes.map { String(format: " (%.0f B full pages)", Double($0) / perBlock) } ?? ""
        return "  \(name): "
            + String(format: "%.2f records, %.0f B", Double(count) / perBlock, Double(bytes) / perBlock) + fullPages
    }

    static func millis(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    /// The figures compared across runs.
    static let summarized: [(name: String, unit: String, value: @Sendable (RunReport) -> Double)] = [
        ("blocks/s processing", "", \.blocksPerSecond),
        ("blocks/s end to end (apply included)", "", \.endToEndBlocksPerSecond),
        ("pgbench -N TPS", "", \.pgbenchTPS),
        ("blocks/s / pgbench TPS", "x", \.ratioToPgbench),
        ("server CPU per block", "us", \.serverMicrosecondsPerBlock),
        ("client CPU per block", "us", \.clientMicrosecondsPerBlock),
        ("WAL per block (run)", "B", \.walBytesPerBlock),
        ("rows written per block", "", \.rowsWrittenPerBlock),
        ("claim index tuples per scan", "", \.claimIndexTuplesPerScan),
        ("table + index bytes per block", "B", \.bytesPerBlock),
    ]

    /// Median and range of each figure over runs (single runs on a small machine vary by +-25%).
    static func summaryTable(_ reports: [RunReport]) -> String {
        var lines = ["", "\(reports.count) runs\(reports.first?.safety ?? ""): median [min .. max]"]
        for figure in summarized {
            let format = figure.unit == "x" ? "%.2f" : "%.0f"
            let unit = figure.unit == "x" || figure.unit.isEmpty ? "" : " " + figure.unit
            lines.append("  \(figure.name): " + Spread(reports.map(figure.value)).text(format, unit: unit))
        }
        return lines.joined(separator: "\n")
    }

    /// Several runs: each run's object, and the median and range of each figure.
    static func json(_ reports: [RunReport]) -> String {
        let runs = reports.map { report -> Any in
            (try? JSONSerialization.jsonObject(with: Data(report.json().utf8))) ?? [:]
        }
        var summary: [String: Any] = [:]
        for figure in summarized {
            summary[figure.name] = Spread(reports.map(figure.value)).json
        }
        let object: [String: Any] = ["formatVersion": 1, "runs": runs, "summary": summary]
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    func json() -> String {
        var object: [String: Any] = [
            "formatVersion": 1, "blocks": blocks, "concurrency": concurrency, "bytes": bytes,
            "maxBlocksInFlight": maxInFlight.map { $0 as Any } ?? NSNull(),
            "database": database, "durable": durable, "eventRows": eventRows, "postgresVersion": postgresVersion,
            "costPerBlock": [
                "serverCPUMicroseconds": serverMicrosecondsPerBlock,
                "clientCPUMicroseconds": clientMicrosecondsPerBlock,
                "walBytes": walBytesPerBlock, "applyWALBytes": applyWALBytesPerBlock,
                "rowsWritten": rowsWrittenPerBlock, "tableAndIndexBytes": bytesPerBlock,
            ],
            "claimIndexTuplesPerScan": claimIndexTuplesPerScan,
            "tables": runCost.tables.mapValues { rows -> [String: Any] in
                [
                    "inserted": rows.inserted, "updated": rows.updated, "hotUpdated": rows.hotUpdated,
                    "deleted": rows.deleted, "deadAtEnd": rows.dead, "tableBytes": rows.tableBytes,
                    "indexBytes": rows.indexBytes,
                ]
            },
            "apply": [
                "seconds": apply.seconds, "clientCPUSeconds": apply.clientCPU, "serverCPUSeconds": apply.serverCPU,
            ],
            "run": [
                "finalSeconds": finalSeconds, "lastCompletedSeconds": lastCompletedSeconds,
                "firstClaimSeconds": firstClaimSeconds,
                "observedFinalSeconds": observedFinalSeconds, "runnerSeconds": run.seconds,
                "blocksPerSecond": blocksPerSecond, "endToEndBlocksPerSecond": endToEndBlocksPerSecond,
                "clientCPUSeconds": run.clientCPU,
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
            "statements": statements.map(\.json),
            "compiledStatements": compiledStatements.map(\.json),
            "walRecords": walRecords.map { kind -> [String: Any] in
                [
                    "type": kind.type, "count": kind.count, "recordBytes": kind.recordBytes,
                    "fullPageBytes": kind.fullPageBytes,
                ]
            },
            "walRelations": walRelations.map { share -> [String: Any] in
                ["relation": share.relation, "count": share.count, "bytes": share.bytes]
            },
            "peakRSSMiB": peakMiB,
            "targets": [
                "blocksPerSecondAtLeast8000": targetPass, "endToEndAtLeast7000": endToEndTargetPass,
                "ratioToPgbenchAtLeast2": ratioTargetPass,
            ],
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
