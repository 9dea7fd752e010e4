import Foundation

struct Measurement {
    var seconds: Double = 0
    /// Peak RSS of the process after the phase (a running maximum).
    var rssMiB: Double = 0
    /// CPU seconds of this process during the phase.
    var clientCPU: Double = 0
    /// CPU seconds of the local `postgres` processes during the phase (0 for a remote database).
    var serverCPU: Double = 0
}

/// Every figure of one run, and the targets.
struct Report {
    static let minimumRatio = 0.5
    static let maximumReplanSeconds = 10.0
    static let maximumPeakMiB = 1024.0

    var documents: Int
    var bytes: Int64 = 0
    var records = 0
    var blocks = 0
    var database = ""
    var postgresVersion = ""
    var generateSeconds = 0.0
    var migrateSeconds = 0.0
    var rssAfterSetupMiB = 0.0
    var plan = Measurement()
    var planReadSeconds = 0.0
    var planDiffSeconds = 0.0
    var apply = Measurement()
    var replan = Measurement()
    var replanChanges = 0
    var replanUnchanged = 0
    var rawCopy = Measurement()

    var planApply: Measurement {
        Measurement(
            seconds: plan.seconds + apply.seconds, rssMiB: apply.rssMiB, clientCPU: plan.clientCPU + apply.clientCPU,
            serverCPU: plan.serverCPU + apply.serverCPU)
    }
    var peakMiB: Double { [plan, apply, replan, rawCopy].map(\.rssMiB).max() ?? 0 }

    func docsPerSecond(_ m: Measurement) -> Double { m.seconds > 0 ? Double(documents) / m.seconds : 0 }
    func megabytesPerSecond(_ m: Measurement) -> Double { m.seconds > 0 ? Double(bytes) / 1e6 / m.seconds : 0 }
    func ratio(_ m: Measurement) -> Double {
        let raw = docsPerSecond(rawCopy)
        return raw > 0 ? docsPerSecond(m) / raw : 0
    }

    var ratioPass: Bool { ratio(planApply) >= Self.minimumRatio }
    var replanPass: Bool { replan.seconds < Self.maximumReplanSeconds && replanChanges == 0 }
    var memoryPass: Bool { peakMiB < Self.maximumPeakMiB }

    private var rows: [(String, Measurement)] {
        [("plan", plan), ("apply", apply), ("plan + apply", planApply), ("re-plan", replan), ("raw COPY", rawCopy)]
    }

    func table() -> String {
        var lines: [String] = []
        lines.append("")
        lines.append(
            "tradu-bench plan: \(Format.int(documents)) documents, \(Format.bytes(bytes)) JSONL, \(Format.int(blocks))"
                + " blocks (1 target language)")
        lines.append("database: \(database), PostgreSQL \(postgresVersion)")
        lines.append(
            "setup (not measured below): corpus generated in \(Format.seconds(generateSeconds)), schema migrated in"
                + " \(Format.seconds(migrateSeconds))")
        lines.append("")
        let header = ["phase", "wall", "docs/s", "MB/s", "vs raw COPY", "peak RSS", "client CPU", "server CPU"]
        var cells: [[String]] = [header]
        for (name, m) in rows {
            cells.append([
                name, Format.seconds(m.seconds), Format.int(Int(docsPerSecond(m).rounded())),
                String(format: "%.1f", megabytesPerSecond(m)), String(format: "%.1f%%", ratio(m) * 100),
                String(format: "%.0f MiB", m.rssMiB), String(format: "%.2f s", m.clientCPU),
                String(format: "%.2f s", m.serverCPU),
            ])
        }
        let widths = header.indices.map { column in cells.map { $0[column].count }.max() ?? 0 }
        for (index, row) in cells.enumerated() {
            let line = row.enumerated().map { column, text in
                column == 0
                    ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - text.count) + text
            }.joined(separator: "  ")
            lines.append(line)
            if index == 0 { lines.append(String(repeating: "-", count: line.count)) }
        }
        lines.append("")
        lines.append(
            "plan breakdown: read + cut \(Format.seconds(planReadSeconds)), store + diff \(Format.seconds(planDiffSeconds))"
        )
        lines.append("MB = 10^6 bytes of JSONL; peak RSS is the process's running maximum (getrusage ru_maxrss);")
        lines.append("CPU = user + system seconds of tradu-bench / of the local postgres processes during the phase.")
        lines.append("re-plan: \(replanChanges) changes, \(Format.int(replanUnchanged)) blocks unchanged")
        lines.append("")
        lines.append("targets:")
        lines.append(
            String(
                format: "  %@  plan + apply rate >= 50%% of raw COPY rate: %.1f%%", mark(ratioPass),
                ratio(planApply) * 100))
        lines.append(
            String(
                format: "  %@  re-plan < 10 s (and 0 changes): %.2f s, %d changes", mark(replanPass), replan.seconds,
                replanChanges))
        lines.append(String(format: "  %@  peak memory < 1 GiB: %.0f MiB", mark(memoryPass), peakMiB))
        return lines.joined(separator: "\n")
    }

    private func mark(_ pass: Bool) -> String { pass ? "PASS" : "MISS" }

    func json() -> String {
        func phase(_ m: Measurement) -> [String: Any] {
            [
                "seconds": m.seconds, "docsPerSecond": docsPerSecond(m), "megabytesPerSecond": megabytesPerSecond(m),
                "ratioToRawCopy": ratio(m), "peakRSSMiB": m.rssMiB, "clientCPUSeconds": m.clientCPU,
                "serverCPUSeconds": m.serverCPU,
            ]
        }
        let object: [String: Any] = [
            "formatVersion": 1,
            "documents": documents, "bytes": bytes, "blocks": blocks, "records": records,
            "database": database, "postgresVersion": postgresVersion,
            "setup": ["generateSeconds": generateSeconds, "migrateSeconds": migrateSeconds],
            "phases": [
                "plan": phase(plan).merging(
                    ["readCutSeconds": planReadSeconds, "storeDiffSeconds": planDiffSeconds]) { a, _ in a },
                "apply": phase(apply), "planApply": phase(planApply),
                "replan": phase(replan).merging(
                    ["changes": replanChanges, "unchangedBlocks": replanUnchanged]) { a, _ in a },
                "rawCopy": phase(rawCopy),
            ],
            "peakRSSMiB": peakMiB,
            "targets": [
                "planApplyRatio": ["minimum": Self.minimumRatio, "value": ratio(planApply), "pass": ratioPass],
                "replanSeconds": ["maximum": Self.maximumReplanSeconds, "value": replan.seconds, "pass": replanPass],
                "peakRSSMiB": ["maximum": Self.maximumPeakMiB, "value": peakMiB, "pass": memoryPass],
            ],
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

enum Format {
    static func seconds(_ value: Double) -> String {
        value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%.2f s", value)
    }

    static func bytes(_ value: Int64) -> String {
        let mib = Double(value) / 1_048_576
        return mib >= 1024 ? String(format: "%.2f GiB", mib / 1024) : String(format: "%.1f MiB", mib)
    }

    static func int(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}
