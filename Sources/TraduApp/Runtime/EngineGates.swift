import Synchronization
import TraduCore

/// A worker's `RequestGate`s, one per engine that sends requests (not `pseudo`, which runs in process, nor an
/// engine in `mode: batch`, whose requests go in files). Kept across reloads of the applied manifests, so requests
/// in flight still count when the runtimes are rebuilt.
final class EngineGates: Sendable {
    private let gates = Mutex<[String: RequestGate]>([:])

    /// The gate of `engine`, made at its `concurrency` the first time; nil when its requests are not gated.
    func gate(for engine: Engine) async -> RequestGate? {
        guard engine.kind != .pseudo, engine.mode != .batch else { return nil }
        let (gate, made) = gates.withLock { gates -> (RequestGate, Bool) in
            if let gate = gates[engine.name] { return (gate, false) }
            let gate = RequestGate(limit: engine.concurrency)
            gates[engine.name] = gate
            return (gate, true)
        }
        if !made { await gate.setLimit(engine.concurrency) }
        return gate
    }
}
