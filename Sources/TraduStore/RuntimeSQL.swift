import TraduCore
import TraduPostgres

/// SQL fragments shared by the runtime statements. State lists come from `BlockLifecycle`, so every guarded
/// update allows exactly the transitions the state machine allows.
enum RuntimeSQL {
    /// `<alias>.lease_owner` is `owner`, for the fences of batched outcomes joined to their blocks by id: an
    /// expression (NULL never matches) that no index can serve. With `unindexedState`, these fences leave the
    /// planner one way to a block, its primary key. Written plainly, they match the partial indexes on leased
    /// blocks, and the planner, which expects a handful of leased rows, reads those indexes whole (or once per
    /// block), dead entries included: 2 to 14 ms per commit of 256 blocks, where primary-key look-ups take 1.
    static func heldBy(_ alias: String, _ owner: String) -> String {
        "(\(alias).lease_owner || '') = \(owner)"
    }

    /// `<alias>.state` as an expression no partial index's predicate matches (see `heldBy`).
    static func unindexedState(_ alias: String) -> String {
        "(\(alias).state || '')"
    }

    /// `'a', 'b'`: the states `cause` may move towards `to`, for `state IN (...)`. Never empty: a guard with no
    /// legal source is a programming error.
    static func sources(of to: BlockState, cause: TransitionCause) -> String {
        let states = BlockLifecycle.sources(of: to, cause: cause)
        precondition(!states.isEmpty, "no state may move to \(to.rawValue) by \(cause.rawValue)")
        return list(states)
    }

    /// The one state `cause` may move towards `to` from, as a literal, for events whose `from_state` is known
    /// from the guard.
    static func onlySource(of to: BlockState, cause: TransitionCause) -> String {
        let states = BlockLifecycle.sources(of: to, cause: cause)
        precondition(states.count == 1, "expected one source state for \(to.rawValue) by \(cause.rawValue)")
        return list(states)
    }

    /// `'a', 'b'` for the given states (their raw values are plain lowercase words: safe as literals).
    static func list(_ states: [BlockState]) -> String {
        states.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }

    /// Of `requested` states, the ones `cause` may move towards `to`.
    static func legalSources(_ requested: [BlockState], to: BlockState, cause: TransitionCause) -> [BlockState] {
        let legal = Set(BlockLifecycle.sources(of: to, cause: cause))
        return requested.filter { legal.contains($0) }
    }

    /// A duration as whole microseconds, the unit the statements multiply `interval '1 microsecond'` by.
    static func microseconds(_ duration: Duration) -> String {
        String(duration.microseconds)
    }

    /// `expression` (a timestamptz) as RFC 3339 in UTC with milliseconds, e.g. `2026-11-23T10:00:00.125Z`.
    static func rfc3339Milliseconds(_ expression: String) -> String {
        "to_char(\(expression) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    /// Rows of `unnest` parameters: the `Int`s as text.
    static func intArray(_ values: some Sequence<Int>) -> String {
        SQLText.arrayLiteral(values.lazy.map { String($0) })
    }
}

extension EnvironmentSchema {
    /// The NOTIFY channel workers of this environment listen on for new work.
    public var workChannel: String { channel("work") }

    /// The NOTIFY channel the controller listens on: workers finished blocks, so capped pipelines have room.
    public var freedChannel: String { channel("freed") }

    /// A channel name is an identifier (at most 63 bytes): long schema names are shortened and suffixed with a
    /// hash of the whole name, so two environments never share a channel.
    private func channel(_ purpose: String) -> String {
        let prefix = "tradu_\(purpose)_"
        let full = prefix + name
        guard full.utf8.count > 63 else { return full }
        // FNV-1a, 64 bits: stable across processes and builds, unlike `Hasher`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        var digits = String(hash, radix: 16)
        digits = String(repeating: "0", count: 16 - digits.count) + digits
        // The schema name is ASCII, so the prefix cut is by bytes and characters alike.
        return prefix + String(name.prefix(63 - prefix.count - 17)) + "_" + digits
    }
}

extension Store {
    /// The NOTIFY channel workers of this environment listen on (`listen(for: .work)`).
    var workChannel: String { schema.workChannel }

    /// The NOTIFY channel the controller listens on for finished blocks (`listen(for: .freedRoom)`).
    var freedChannel: String { schema.freedChannel }

    /// Wakes the workers listening on `workChannel` (delivered when the current transaction, if any, commits).
    public func notifyWork() async throws {
        try await connection.notify(workChannel)
    }

    /// Runs `body` in a transaction, again (up to 3 times) when PostgreSQL aborts it for a deadlock: rare, from
    /// a worker and a controller or operator locking the same blocks in different orders, and harmless to retry
    /// because every runtime write is fenced.
    ///
    /// `settings`: for this transaction only (`PostgresConnection.transaction(isolation:settings:_:)`).
    func retryingConflicts<T: Sendable>(
        settings: [PostgresSetting] = [], _ body: @escaping @Sendable (isolated PostgresConnection) throws -> T
    ) async throws -> T {
        var tries = 0
        while true {
            tries += 1
            do {
                return try await connection.transaction(settings: settings, body)
            } catch let error as StoreError where tries < 3 {
                guard case .conflict = error else { throw error }
                connection.logger.info("transaction conflict; retrying", metadata: ["error": "\(error)"])
            }
        }
    }
}
