import TraduCore
import TraduStore

/// JSON bodies of the HTTP API (`api/openapi.yaml`), in camelCase.
public enum APIPresenter {
    public static func block(_ block: BlockSummary) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(block.id)), ("pipeline", .string(block.pipeline)),
            ("targetLanguage", .string(block.targetLanguage)), ("state", .string(block.state.rawValue)),
            ("attempt", .int(block.attempt)), ("attemptsUsed", .int(block.attempt - block.attemptBase)),
            ("updatedAt", .string(block.updatedAt)),
        ]
        if let errorClass = block.errorClass { fields.append(("errorClass", .string(errorClass))) }
        if let lastError = block.lastError { fields.append(("lastError", .string(lastError))) }
        return .object(fields)
    }

    public static func event(_ event: BlockEvent) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("sequence", .int(Int(event.sequence))), ("to", .string(event.toState.rawValue)),
            ("attempt", .int(event.attempt)), ("at", .string(event.at)),
        ]
        if let from = event.fromState { fields.append(("from", .string(from.rawValue))) }
        if let instance = event.instanceID { fields.append(("instanceId", .string(instance))) }
        if let reason = event.reason { fields.append(("reason", .string(reason))) }
        if let errorClass = event.errorClass { fields.append(("errorClass", .string(errorClass))) }
        if let error = event.error { fields.append(("error", .string(error))) }
        return .object(fields)
    }

    public static func result(_ result: StoredResultVersion) -> JSONValue {
        let records: [JSONValue] = result.records.split(separator: "\n").compactMap {
            try? JSONText.parse(String($0), name: "result")
        }
        return .object([
            ("specHash", .string(result.specHash)), ("current", .bool(result.current)),
            ("attempt", .int(result.attempt)), ("inputTokens", .int(Int(result.inputTokens))),
            ("outputTokens", .int(Int(result.outputTokens))), ("completedAt", .string(result.completedAt)),
            ("records", .array(records)),
        ])
    }

    public static func instance(_ row: InstanceRow) -> JSONValue {
        .object([
            ("id", .string(row.id)), ("role", .string(row.role)), ("host", .string(row.host)), ("pid", .int(row.pid)),
            ("version", .string(row.version)), ("state", .string(row.state)), ("startedAt", .string(row.startedAt)),
            ("heartbeatAt", .string(row.heartbeatAt)), ("silentForSeconds", .double(row.silentFor)),
            ("blocksHeld", .int(row.blocksHeld)),
        ])
    }

    public static func revision(_ revision: Revision) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("number", .int(Int(revision.number))), ("appliedBy", .string(revision.appliedBy)),
            ("appliedAt", .string(revision.appliedAt)), ("manifestDigest", .string(revision.manifestDigest)),
        ]
        if let serial = revision.serial { fields.append(("serial", .int(Int(serial)))) }
        if let commit = revision.gitCommit { fields.append(("gitCommit", .string(commit))) }
        if let message = revision.message { fields.append(("message", .string(message))) }
        if let freight = revision.freight { fields.append(("freight", .string(freight.id))) }
        if let summary = revision.summary, let parsed = try? JSONText.parse(summary, name: "summary") {
            fields.append(("summary", parsed))
        }
        return .object(fields)
    }

    public static func action(_ row: OperatorActionRow) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .int(Int(row.id))), ("action", .string(row.action)), ("actor", .string(row.actor)),
            ("reason", .string(row.reason)), ("via", .string(row.via)), ("at", .string(row.at)),
        ]
        if let pipeline = row.pipeline { fields.append(("pipeline", .string(pipeline))) }
        if let detail = row.detail { fields.append(("detail", .string(detail))) }
        return .object(fields)
    }
}
