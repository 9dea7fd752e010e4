import Synchronization
import TraduCore

/// A worker's `RequestGate`s, one per engine that sends requests (not `pseudo`, which runs in process, nor an
/// engine in `mode: batch`, whose requests go in files). Kept across reloads of the applied manifests, so requests
/// in flight still count when the runtimes are rebuilt.
final class EngineGates: Sendable {
    private let gates = Mutex<[String: RequestGate]>([:])

    /// The gates of `engines` by name, each held to `limits(of: engines)`: made the first time, given their new
    /// limit after.
    func gates(for engines: some Sequence<Engine>) async -> [String: RequestGate] {
        var result: [String: RequestGate] = [:]
        for (name, limit) in Self.limits(of: engines) {
            let (gate, made) = gates.withLock { gates -> (RequestGate, Bool) in
                if let gate = gates[name] { return (gate, false) }
                let gate = RequestGate(limit: limit)
                gates[name] = gate
                return (gate, true)
            }
            if !made { await gate.setLimit(limit) }
            result[name] = gate
        }
        return result
    }

    /// The concurrency each gated engine's requests are held to, by engine name. Where the specs a worker runs side
    /// by side (a rollout's baseline and canary) give one engine different `concurrency`, the smallest: the engine
    /// is one endpoint whichever spec calls it, and a limit a spec raises is part of what its rollout has yet to
    /// prove, while one it lowers (the provider's limit fell) must hold for every request.
    static func limits(of engines: some Sequence<Engine>) -> [String: Int] {
        var limits: [String: Int] = [:]
        for engine in engines where isGated(engine) {
            limits[engine.name] = min(limits[engine.name] ?? engine.concurrency, engine.concurrency)
        }
        return limits
    }

    /// How many blocks the engines can run at once: their limits summed, or nil (no bound) when one of them is not
    /// gated. A worker holds no more blocks than that, however many slots it has: a block claimed beyond it would
    /// wait at its engine's gate with its `blockTimeout` running.
    static func capacity(of engines: [Engine]) -> Int? {
        guard !engines.isEmpty, engines.allSatisfy(isGated) else { return nil }
        return limits(of: engines).values.reduce(0, +)
    }

    /// Whether `engine`'s requests go through a gate: not `pseudo` (in process), nor `mode: batch` (in files).
    static func isGated(_ engine: Engine) -> Bool {
        engine.kind != .pseudo && engine.mode != .batch
    }
}
