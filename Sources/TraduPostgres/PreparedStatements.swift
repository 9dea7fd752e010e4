import Crypto

/// The statements one connection has prepared on its server session, and which to prepare or forget next.
///
/// Why: the server parses, analyses and plans a statement sent with its parameters (`PQexecParams`) at every
/// execution. A prepared one is parsed and analysed once per session, and after five executions the server may
/// keep a generic plan. tradu's hot statements have fixed text (their batches travel as arrays), so preparing them
/// saves that work at every batch.
///
/// A statement's name is a digest of its text and parameter types: two sessions that hold the same name hold the
/// same statement. Behind a pooler that hands a client's transactions to different server sessions, a name can
/// then only be missing (an error), never stand for another statement.
///
/// The cache is bounded: a text built with literals inside would otherwise add a statement per value. The least
/// recently used statement is forgotten (`DEALLOCATE`) when a new one would pass `capacity`.
/// Sessions that are the server's own only: `PoolerCheck`.
struct PreparedStatements: Sendable {
    /// What the connection must do before running a statement.
    enum Step: Equatable, Sendable {
        /// The session holds it: execute `name`.
        case execute(name: String)
        /// Prepare it as `name` first, after deallocating `forgetting` (names), then execute it.
        case prepare(name: String, forgetting: [String])
    }

    struct Key: Hashable, Sendable {
        var sql: String
        var types: [UInt32]
    }

    /// How many statements the session may hold; 0 prepares none.
    let capacity: Int
    private var entries: [Key: (name: String, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { entries.count }

    /// The step for `sql` with parameter types `types`. A `.prepare` step counts as prepared from now on: call
    /// `forget(sql:types:)` when preparing it failed. Only for a cache whose capacity is above 0.
    mutating func step(sql: String, types: [UInt32]) -> Step {
        precondition(capacity > 0, "a cache of capacity 0 prepares nothing")
        clock += 1
        let key = Key(sql: sql, types: types)
        if let entry = entries[key] {
            entries[key] = (entry.name, clock)
            return .execute(name: entry.name)
        }
        var forgetting: [String] = []
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
            forgetting.append(oldest.value.name)
        }
        let name = Self.name(for: key)
        entries[key] = (name, clock)
        return .prepare(name: name, forgetting: forgetting)
    }

    /// Forgets `sql` (its preparation failed, or the server lost it).
    mutating func forget(sql: String, types: [UInt32]) {
        entries[Key(sql: sql, types: types)] = nil
    }

    /// Forgets everything: the session is new (a reconnect), and holds none of them.
    mutating func removeAll() {
        entries.removeAll()
    }

    /// `tradu_` and the first 32 hex digits of the SHA-256 of the types and the text.
    static func name(for key: Key) -> String {
        var hash = SHA256()
        hash.update(data: Array(key.types.map(String.init).joined(separator: ",").utf8) + [0])
        hash.update(data: Array(key.sql.utf8))
        let digest = hash.finalize().prefix(16)
        return "tradu_"
            + digest.map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
    }
}
