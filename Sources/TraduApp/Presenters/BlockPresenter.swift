import Foundation
import TraduCore
import TraduStore

/// Blocks, a block's trace and instances as people read them (tables) and as programs do (JSON Lines,
/// `formatVersion` 1).
public enum BlockPresenter {
    // MARK: tradu blocks list

    public static func text(_ blocks: [BlockSummary]) -> String {
        var table = TextTable(["BLOCK", "PIPELINE", "LANG", "STATE", "ATTEMPT", "ERROR"])
        for block in blocks {
            let error = block.errorClass.map { "\($0): \(block.lastError ?? "")" } ?? ""
            table.append([
                String(block.id.prefix(12)), block.pipeline, block.targetLanguage, block.state.rawValue,
                String(block.attempt), error,
            ])
        }
        return table.rendered + "\n\(blocks.count) block\(blocks.count == 1 ? "" : "s")"
    }

    public static func jsonLines(_ blocks: [BlockSummary]) -> [String] {
        blocks.map { block in
            JSONValue.object([
                ("formatVersion", .int(1)), ("id", .string(block.id)), ("pipeline", .string(block.pipeline)),
                ("language", .string(block.targetLanguage)), ("state", .string(block.state.rawValue)),
                ("attempt", .int(block.attempt)), ("errorClass", block.errorClass.map { .string($0) } ?? .null),
                ("lastError", block.lastError.map { .string($0) } ?? .null), ("updatedAt", .string(block.updatedAt)),
            ]).encoded()
        }
    }

    // MARK: tradu trace

    /// Every transition with who made it and the time since the previous one.
    public static func text(_ trace: BlockTrace) -> String {
        var lines = ["Block \(trace.blockID)"]
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var previous: Date?
        for event in trace.events {
            let at = formatter.date(from: event.at)
            var delta = ""
            if let previous, let at { delta = " (+\(Int((at.timeIntervalSince(previous) * 1000).rounded())) ms)" }
            previous = at ?? previous
            var line =
                "  \(event.at)\(delta)  \(event.fromState?.rawValue ?? "∅") → \(event.toState.rawValue)"
                + "  attempt \(event.attempt)"
            if let instance = event.instanceID { line += "  by \(instance)" }
            if let reason = event.reason { line += "  (\(reason))" }
            if let errorClass = event.errorClass { line += "  \(errorClass): \(event.error ?? "")" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    public static func jsonLines(_ trace: BlockTrace) -> [String] {
        trace.events.map { event in
            JSONValue.object([
                ("formatVersion", .int(1)), ("block", .string(event.blockID)), ("at", .string(event.at)),
                ("from", event.fromState.map { .string($0.rawValue) } ?? .null),
                ("to", .string(event.toState.rawValue)),
                ("instance", event.instanceID.map { .string($0) } ?? .null), ("attempt", .int(event.attempt)),
                ("reason", event.reason.map { .string($0) } ?? .null),
                ("errorClass", event.errorClass.map { .string($0) } ?? .null),
                ("error", event.error.map { .string($0) } ?? .null),
            ]).encoded()
        }
    }

    // MARK: tradu instances

    public static func text(_ instances: [InstanceRow]) -> String {
        var table = TextTable(["INSTANCE", "ROLE", "STATE", "HOST", "PID", "VERSION", "LAST HEARTBEAT", "HELD"])
        for row in instances {
            table.append([
                row.id, row.role, row.state, row.host, String(row.pid), row.version,
                String(format: "%.1fs ago", row.silentFor), String(row.blocksHeld),
            ])
        }
        return table.rendered
    }

    public static func jsonLines(_ instances: [InstanceRow]) -> [String] {
        instances.map { row in
            JSONValue.object([
                ("formatVersion", .int(1)), ("id", .string(row.id)), ("role", .string(row.role)),
                ("host", .string(row.host)), ("pid", .int(row.pid)), ("version", .string(row.version)),
                ("state", .string(row.state)), ("startedAt", .string(row.startedAt)),
                ("heartbeatAt", .string(row.heartbeatAt)), ("blocksHeld", .int(row.blocksHeld)),
            ]).encoded()
        }
    }
}
