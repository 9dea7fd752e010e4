import Foundation

/// Several `tradu-bench scale` runs of one size, and of a smaller reference size interleaved with them: the median
/// and range of each figure, and how plan + apply grows from the reference (single runs on a shared machine vary
/// by ±10% and more, so one pair of runs can land on either side of a bound that the medians meet).
struct ScaleSeries {
    /// "Linear" as the capacity guide reads it: time may grow by at most 1.2 times the size (12× for 10× blocks).
    static let maximumGrowthPerSize = 1.2

    var blocks: Int
    var reference: Int?
    var runs: [ScaleFigures] = []
    var references: [ScaleFigures] = []

    private static let figures: [(name: String, unit: String, value: @Sendable (ScaleFigures) -> Double)] = [
        ("plan + apply", "s", \.applySeconds),
        ("peak RSS of plan + apply", "MiB", \.applyRSSMiB),
        ("re-plan (unchanged)", "s", \.replanSeconds),
        ("peak RSS of the re-plan", "MiB", \.replanRSSMiB),
        ("tradu status, median", "ms", { $0.statusMedianSeconds * 1000 }),
        ("controller cycle scheduling 20,000, median", "ms", { $0.schedulingMedianSeconds * 1000 }),
        ("controller cycle, backlog waiting, median", "ms", { $0.idleCycleMedianSeconds * 1000 }),
        ("claim p50", "ms", { $0.claimMedianSeconds * 1000 }),
        ("claim p99", "ms", { $0.claimP99Seconds * 1000 }),
        ("laned claim p50", "ms", { $0.lanedClaimMedianSeconds * 1000 }),
        ("laned claim p99", "ms", { $0.lanedClaimP99Seconds * 1000 }),
    ]

    /// Plan + apply of each run divided by each reference run's: every pairing, not only run by run.
    var pairRatios: [Double] {
        references.flatMap { reference in
            runs.map { reference.applySeconds > 0 ? $0.applySeconds / reference.applySeconds : 0 }
        }
    }

    /// The medians' ratio, nil without reference runs.
    var medianRatio: Double? {
        let referenceMedian = Spread(references.map(\.applySeconds)).median
        guard !references.isEmpty, referenceMedian > 0 else { return nil }
        return Spread(runs.map(\.applySeconds)).median / referenceMedian
    }

    var maximumRatio: Double? {
        reference.map { Self.maximumGrowthPerSize * Double(blocks) / Double($0) }
    }

    func table() -> String {
        var lines = [""]
        for (size, reports) in [(reference, references), (blocks, runs)] {
            guard let size, !reports.isEmpty else { continue }
            lines.append("\(Format.int(size)) blocks, \(reports.count) runs: median [min .. max]")
            for figure in Self.figures {
                let format = figure.unit == "s" ? "%.2f" : "%.1f"
                lines.append(
                    "  \(figure.name): " + Spread(reports.map(figure.value)).text(format, unit: " " + figure.unit))
            }
        }
        if let medianRatio, let maximumRatio, let reference {
            let ratios = pairRatios
            let within = ratios.filter { $0 <= maximumRatio }.count
            lines.append(
                String(
                    format: "plan + apply, %@ blocks against %@: %.1fx by the medians (%@ at most %.1fx);"
                        + " pairs of runs %.1fx .. %.1fx, %d of %d within", Format.int(blocks), Format.int(reference),
                    medianRatio, medianRatio <= maximumRatio ? "PASS" : "MISS", maximumRatio, ratios.min() ?? 0,
                    ratios.max() ?? 0, within, ratios.count))
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        func objects(_ reports: [ScaleFigures]) -> [Any] {
            reports.map { (try? JSONSerialization.jsonObject(with: $0.json)) ?? [:] }
        }
        func summary(_ reports: [ScaleFigures]) -> [String: Any] {
            var summary: [String: Any] = [:]
            for figure in Self.figures {
                summary[figure.name] = Spread(reports.map(figure.value)).json.merging(["unit": figure.unit]) { a, _ in a
                }
            }
            return summary
        }
        var object: [String: Any] = [
            "formatVersion": 1, "blocks": blocks, "runs": objects(runs), "summary": summary(runs),
        ]
        if let reference, let medianRatio, let maximumRatio {
            object["reference"] = [
                "blocks": reference, "runs": objects(references), "summary": summary(references),
            ]
            object["growth"] = [
                "medianRatio": medianRatio, "maximumRatio": maximumRatio, "pass": medianRatio <= maximumRatio,
                "pairRatios": pairRatios,
            ]
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// What a series summarizes of one run, read from the JSON the run wrote (`ScaleReport.json()`), which is kept
/// whole for the series' JSON.
struct ScaleFigures: Sendable {
    var json: Data
    var applySeconds: Double
    var applyRSSMiB: Double
    var replanSeconds: Double
    var replanRSSMiB: Double
    var replanChanges: Int
    var statusMedianSeconds: Double
    var schedulingMedianSeconds: Double
    var idleCycleMedianSeconds: Double
    var claimMedianSeconds: Double
    var claimP99Seconds: Double
    var lanedClaimMedianSeconds: Double
    var lanedClaimP99Seconds: Double

    init(json: Data) throws {
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw BenchFailure("a run's figures are not a JSON object")
        }
        func number(_ key: String, _ field: String? = nil) throws -> Double {
            let value = field.map { (object[key] as? [String: Any])?[$0] } ?? object[key]
            guard let number = value as? NSNumber else {
                throw BenchFailure("a run's figures lack \(key)\(field.map { "." + $0 } ?? "")")
            }
            return number.doubleValue
        }
        self.json = json
        applySeconds = try number("apply_seconds")
        applyRSSMiB = try number("apply_peak_rss_mib")
        replanSeconds = try number("replan_seconds")
        replanRSSMiB = try number("replan_peak_rss_mib")
        replanChanges = Int(try number("replan_changes"))
        statusMedianSeconds = try number("status_seconds", "median")
        schedulingMedianSeconds = try number("scheduling_cycle_seconds", "median")
        idleCycleMedianSeconds = try number("idle_cycle_seconds", "median")
        claimMedianSeconds = try number("claim_seconds", "median")
        claimP99Seconds = try number("claim_seconds", "p99")
        lanedClaimMedianSeconds = try number("laned_claim_seconds", "median")
        lanedClaimP99Seconds = try number("laned_claim_seconds", "p99")
    }
}
