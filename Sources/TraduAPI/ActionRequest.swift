import Foundation
import Hummingbird
import TraduApp
import TraduCore

/// The body of an action (`POST .../retry`, `.../cancel`, `.../pause`, `.../approve`, ...): why (required: every
/// action is audited with its reason) and the fields the action takes: for block actions `ids`, or a `pipeline`
/// and an optional `state`; for release actions a `freight` or a `sourceRevision`, and `rollback` and `dryRun`.
/// A field the action does not take is refused, so a typo never passes for a default.
struct ActionRequest {
    var reason: String
    var ids: [String]?
    var pipeline: String?
    var state: BlockState?
    var freight: String?
    var sourceRevision: Int64?
    var rollback = false
    var dryRun = false

    static let maxBodyBytes = 1 << 20
    static let blockFields: Set = ["reason", "ids", "pipeline", "state"]

    init(_ request: Request, fields known: Set<String> = ["reason"]) async throws {
        let buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        guard let decoded = try? JSONDecoder().decode(StrictJSON.self, from: Data(buffer: buffer)),
            case .object(let members) = decoded.value
        else { throw Problem.badRequest("the body must be a JSON object with a 'reason'") }
        let body = decoded.value
        if let unknown = members.map(\.0).sorted().first(where: { !known.contains($0) }) {
            throw Problem.badRequest("unknown field '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard case .string(let reason)? = body["reason"],
            !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !reason.contains("\u{0}")
        else {
            throw Problem.badRequest("'reason' is required: every action is recorded with who did it and why")
        }
        self.reason = reason
        if let ids = body["ids"] {
            guard case .array(let items) = ids, !items.isEmpty, items.count <= 10_000 else {
                throw Problem.badRequest("'ids' must be a list of 1 to 10,000 block ids")
            }
            self.ids = try items.map { try Self.name($0, field: "ids", what: "a list of block ids") }
        }
        if let pipeline = body["pipeline"] {
            self.pipeline = try Self.name(pipeline, field: "pipeline", what: "a pipeline's name")
        }
        if let state = body["state"] {
            guard case .string(let text) = state, let parsed = BlockState(rawValue: text) else {
                throw Problem.badRequest(
                    "'state' must be one of \(BlockState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.state = parsed
        }
        if let freight = body["freight"] {
            self.freight = try Self.name(freight, field: "freight", what: "a freight id")
        }
        if let revision = body["sourceRevision"] {
            // JSON has one number type: 3.0 is the integer 3.
            let number: Int64? =
                switch revision {
                case .int(let value): Int64(value)
                case .double(let value): Int64(exactly: value)
                default: nil
                }
            guard let number, number >= 1 else {
                throw Problem.badRequest("'sourceRevision' must be a revision number (1 or more)")
            }
            self.sourceRevision = number
        }
        for (name, flag) in [("rollback", \ActionRequest.rollback), ("dryRun", \ActionRequest.dryRun)] {
            guard let value = body[name] else { continue }
            guard case .bool(let on) = value else { throw Problem.badRequest("'\(name)' must be true or false") }
            self[keyPath: flag] = on
        }
    }

    /// A non-empty name of at most 500 characters without NUL (PostgreSQL text cannot hold one).
    private static func name(_ value: JSONValue, field: String, what: String) throws -> String {
        guard case .string(let text) = value, !text.isEmpty, text.count <= 500, !text.contains("\u{0}") else {
            throw Problem.badRequest("'\(field)' must be \(what)")
        }
        return text
    }

    func selection() throws -> BlockSelection {
        switch (ids, pipeline) {
        case (let ids?, nil): return .ids(ids)
        case (nil, let pipeline?): return .pipeline(pipeline, state: state)
        default: throw Problem.badRequest("give either 'ids' or 'pipeline' (with an optional 'state'), not both")
        }
    }
}

/// Any JSON value, read strictly: `true` is a boolean and never a number, `1.0` is a number and never a boolean,
/// and escaped surrogate pairs are characters (the YAML reader the manifests use refuses them).
struct StrictJSON: Decodable {
    var value: JSONValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let flag = try? container.decode(Bool.self) {
            value = .bool(flag)
        } else if let number = try? container.decode(Int.self) {
            value = .int(number)
        } else if let number = try? container.decode(Double.self) {
            value = .double(number)
        } else if let text = try? container.decode(String.self) {
            value = .string(text)
        } else if let items = try? container.decode([StrictJSON].self) {
            value = .array(items.map(\.value))
        } else {
            let members = try container.decode([String: StrictJSON].self)
            value = .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) })
        }
    }
}
