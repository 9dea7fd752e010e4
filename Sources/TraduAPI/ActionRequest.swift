import Foundation
import Hummingbird
import TraduApp
import TraduCore

/// The body of an action (`POST .../retry`, `.../cancel`, `.../pause`, `.../resume`): why (required: every action
/// is audited with its reason) and, for block actions, which blocks: `ids`, or a `pipeline` and an optional
/// `state`.
struct ActionRequest {
    var reason: String
    var ids: [String]?
    var pipeline: String?
    var state: BlockState?

    static let maxBodyBytes = 1 << 20

    init(_ request: Request) async throws {
        let buffer = try await request.body.collect(upTo: Self.maxBodyBytes)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Problem.badRequest("the body must be a JSON object with a 'reason'")
        }
        let known: Set = ["reason", "ids", "pipeline", "state"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem.badRequest("unknown field '\(unknown)' (known: reason, ids, pipeline, state)")
        }
        guard let reason = object["reason"] as? String,
            !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !reason.contains("\u{0}")
        else {
            throw Problem.badRequest("'reason' is required: every action is recorded with who did it and why")
        }
        self.reason = reason
        if let ids = object["ids"] {
            guard let list = ids as? [String], !list.isEmpty, list.count <= 10_000,
                list.allSatisfy({ !$0.isEmpty && !$0.contains("\u{0}") })
            else { throw Problem.badRequest("'ids' must be a list of 1 to 10,000 block ids") }
            self.ids = list
        }
        if let pipeline = object["pipeline"] {
            guard let name = pipeline as? String, !name.isEmpty, !name.contains("\u{0}") else {
                throw Problem.badRequest("'pipeline' must be a pipeline's name")
            }
            self.pipeline = name
        }
        if let state = object["state"] {
            guard let text = state as? String, let parsed = BlockState(rawValue: text) else {
                throw Problem.badRequest(
                    "'state' must be one of \(BlockState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.state = parsed
        }
    }

    func selection() throws -> BlockSelection {
        switch (ids, pipeline) {
        case (let ids?, nil): return .ids(ids)
        case (nil, let pipeline?): return .pipeline(pipeline, state: state)
        default: throw Problem.badRequest("give either 'ids' or 'pipeline' (with an optional 'state'), not both")
        }
    }
}
