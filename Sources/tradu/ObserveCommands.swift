import ArgumentParser
import Foundation
import TraduApp
import TraduCore
import TraduStore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Progress per pipeline: counts by state, throughput, ETA, conditions.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat = .text
    @Flag(help: "Redraw every 2 seconds until interrupted.") var watch = false

    func run() async throws {
        let (output, watch, name) = (self.output, self.watch, environment.environment)
        try await withOperatorStore(global, manifests, name, command: "status") { store in
            repeat {
                let counts = try await store.counts()
                let recent = try await store.completedRecently(seconds: 60)
                let statuses = Dictionary(
                    try await store.statuses().map { ($0.pipeline, $0) }, uniquingKeysWith: { a, _ in a })
                let report = StatusReport(counts: counts, completedLastMinute: recent, statuses: statuses)
                switch output {
                case .json: Console.out(report.json(environment: name).encoded())
                case .text:
                    if watch { Console.errorInline("\u{1B}[2J\u{1B}[H") }
                    Console.out(report.text(environment: name))
                }
                if watch { try await Task.sleep(for: .seconds(2)) }
            } while watch
        }
    }
}

/// The figures `tradu status` shows, computed from block counts and recent completions.
struct StatusReport {
    var counts: [String: [String: Int]]
    var completedLastMinute: [String: Int]
    var statuses: [String: PipelineStatusRow]

    static let states = ["created", "claimed", "enqueued", "in_process", "completed", "failed", "cancelled"]

    func text(environment: String) -> String {
        var out = ["Environment \(environment)"]
        for pipeline in counts.keys.sorted() {
            let byState = counts[pipeline] ?? [:]
            let total = byState.values.reduce(0, +)
            let done = (byState["completed"] ?? 0) + (byState["failed"] ?? 0) + (byState["cancelled"] ?? 0)
            let width = 30
            let filled = total == 0 ? 0 : width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let rate = Double(completedLastMinute[pipeline] ?? 0) / 60
            let remaining = total - done
            let eta = remaining == 0 ? "done" : rate > 0 ? "ETA \(Int(Double(remaining) / rate))s" : "ETA unknown"
            out.append("")
            out.append("\(pipeline)  \(bar) \(done)/\(total)  \(String(format: "%.1f", rate)) blocks/s  \(eta)")
            out.append(
                "  " + Self.states.map { "\($0) \(byState[$0] ?? 0)" }.joined(separator: "  "))
            // Conditions are evaluated from the counts just read (the controller's stored ones may be a second
            // old); the observed generation is the controller's.
            var line = "  conditions: \(conditions(PipelineConditions.evaluate(byState)))"
            if let status = statuses[pipeline] { line += "  observedGeneration \(status.observedGeneration)" }
            out.append(line)
        }
        if counts.isEmpty { out.append("No blocks: nothing applied yet (tradu apply -e \(environment)).") }
        return out.joined(separator: "\n")
    }

    private func conditions(_ conditions: JSONValue) -> String {
        guard case .array(let items) = conditions else { return conditions.encoded() }
        return items.compactMap { item -> String? in
            guard case .string(let type)? = item["type"], case .string(let value)? = item["status"],
                case .string(let reason)? = item["reason"]
            else { return nil }
            return "\(type)=\(value) (\(reason))"
        }.joined(separator: ", ")
    }

    func json(environment: String) -> JSONValue {
        .object([
            ("formatVersion", .int(1)), ("environment", .string(environment)),
            (
                "pipelines",
                .array(
                    counts.keys.sorted().map { pipeline in
                        let byState = counts[pipeline] ?? [:]
                        var members: [(String, JSONValue)] = [
                            ("name", .string(pipeline)),
                            ("counts", .object(Self.states.map { ($0, .int(byState[$0] ?? 0)) })),
                            ("completedLastMinute", .int(completedLastMinute[pipeline] ?? 0)),
                        ]
                        members.append(("conditions", PipelineConditions.evaluate(byState)))
                        if let status = statuses[pipeline] {
                            members.append(("observedGeneration", .int(Int(status.observedGeneration))))
                        }
                        return .object(members)
                    })
            ),
        ])
    }
}

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "One block's whole path: every transition, who made it, and the time between.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Argument(help: "The block id (or an unambiguous prefix, as `tradu blocks list` shows).") var block: String
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let (prefix, output) = (block, self.output)
        let events = try await withOperatorStore(global, manifests, environment.environment, command: "trace") {
            store -> [BlockEvent] in
            let matches = try await store.resolveBlockID(prefix)
            guard matches.count == 1 else {
                throw TraduError.configuration(
                    matches.isEmpty
                        ? "no block id starts with '\(prefix)'"
                        : "'\(prefix)' matches several blocks; give more of the id")
            }
            return try await store.events(blockID: matches[0])
        }
        switch output {
        case .json:
            for event in events {
                Console.out(
                    JSONValue.object([
                        ("formatVersion", .int(1)), ("block", .string(event.blockID)), ("at", .string(event.at)),
                        ("from", event.fromState.map { .string($0) } ?? .null), ("to", .string(event.toState)),
                        ("instance", event.instanceID.map { .string($0) } ?? .null), ("attempt", .int(event.attempt)),
                        ("reason", event.reason.map { .string($0) } ?? .null),
                        ("errorClass", event.errorClass.map { .string($0) } ?? .null),
                        ("error", event.error.map { .string($0) } ?? .null),
                    ]).encoded())
            }
        case .text:
            Console.out("Block \(events.first?.blockID ?? prefix)")
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var previous: Date?
            for event in events {
                let at = formatter.date(from: event.at)
                var delta = ""
                if let previous, let at { delta = " (+\(Int((at.timeIntervalSince(previous) * 1000).rounded())) ms)" }
                previous = at ?? previous
                var line =
                    "  \(event.at)\(delta)  \(event.fromState ?? "∅") → \(event.toState)  attempt \(event.attempt)"
                if let instance = event.instanceID { line += "  by \(instance)" }
                if let reason = event.reason { line += "  (\(reason))" }
                if let errorClass = event.errorClass { line += "  \(errorClass): \(event.error ?? "")" }
                Console.out(line)
            }
        }
    }
}

struct InstancesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances", abstract: "Live and dead processes: role, host, pid, version, heartbeat, blocks held."
    )
    @OptionGroup var global: GlobalOptions
    @OptionGroup var manifests: ManifestOptions
    @OptionGroup var environment: EnvironmentOption
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let output = self.output
        let rows = try await withOperatorStore(global, manifests, environment.environment, command: "instances") {
            try await $0.instances()
        }
        switch output {
        case .json:
            for row in rows {
                Console.out(
                    JSONValue.object([
                        ("formatVersion", .int(1)), ("id", .string(row.id)), ("role", .string(row.role)),
                        ("host", .string(row.host)), ("pid", .int(row.pid)), ("version", .string(row.version)),
                        ("state", .string(row.state)), ("startedAt", .string(row.startedAt)),
                        ("heartbeatAt", .string(row.heartbeatAt)), ("blocksHeld", .int(row.blocksHeld)),
                    ]).encoded())
            }
        case .text:
            var table = TextTable(["INSTANCE", "ROLE", "STATE", "HOST", "PID", "VERSION", "LAST HEARTBEAT", "HELD"])
            for row in rows {
                table.append([
                    row.id, row.role, row.state, row.host, String(row.pid), row.version,
                    String(format: "%.1fs ago", row.silentFor), String(row.blocksHeld),
                ])
            }
            Console.out(table.rendered)
        }
    }
}
