import TraduCore
import TraduPostgres

/// The per-environment apply lock: a lease row in `environment_lock`, so it works across connections, processes
/// and machines, names its holder, and frees itself when a holder dies (its lease expires and may be taken over).
///
/// The lock keeps people from applying over each other; correctness does not rest on it alone: every apply also
/// checks the environment serial inside its transaction.
public struct EnvironmentLock: Sendable {
    public let store: Store
    /// How often `acquire` tries again while the lock is held.
    public var pollInterval: Duration

    public init(store: Store, pollInterval: Duration = .milliseconds(200)) {
        self.store = store
        self.pollInterval = pollInterval
    }

    /// Takes the lock for `ttl`, waiting up to `timeout` for the current holder to release it or let it expire.
    /// Throws `StoreError.lockHeld` naming the holder when the wait runs out (a zero timeout tries once).
    public func acquire(
        holder: String, host: String, pid: Int32, ttl: Duration, waitUpTo timeout: Duration
    ) async throws -> LockHandle {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let handle = try await tryAcquire(holder: holder, host: host, pid: pid, ttl: ttl) {
                return handle
            }
            // Read the holder for the error; it may have released in between, then try again at once.
            guard let current = try await currentHolder() else { continue }
            let now = clock.now
            if now >= deadline {
                throw StoreError.lockHeld(
                    holder: current.holder, host: current.host, pid: current.pid, acquiredAt: current.acquiredAt)
            }
            try await Task.sleep(for: min(pollInterval, now.duration(to: deadline)))
        }
    }

    /// Releases the lock if `handle` still holds it. Returns false when it did not (its lease expired and someone
    /// took the lock over): nothing is deleted then.
    @discardableResult
    public func release(_ handle: LockHandle) async throws -> Bool {
        let rows = try await store.connection.query(
            "DELETE FROM environment_lock WHERE token = $1::uuid", [handle.token])
        return rows.affectedRows == 1
    }

    /// Extends the lease to `ttl` from now, for applies that may outlast it. Returns the renewed handle, or nil
    /// when the lock is no longer `handle`'s.
    public func renew(_ handle: LockHandle, ttl: Duration) async throws -> LockHandle? {
        let rows = try await store.connection.query(
            """
            UPDATE environment_lock SET expires_at = clock_timestamp() + make_interval(secs => $2::float8)
            WHERE token = $1::uuid
            RETURNING \(SQLText.rfc3339("expires_at")) AS expires_at
            """, [handle.token, EnvironmentLock.seconds(ttl)])
        guard let row = rows.first else { return nil }
        var renewed = handle
        renewed.expiresAt = try row.required("expires_at")
        return renewed
    }

    /// The current holder, nil when the lock is free. An expired lease is still reported (it is free to take).
    public func currentHolder() async throws -> LockHandle? {
        let rows = try await store.connection.query(
            """
            SELECT token::text AS token, holder, host, pid, \(SQLText.rfc3339("acquired_at")) AS acquired_at,
                   \(SQLText.rfc3339("expires_at")) AS expires_at
            FROM environment_lock
            """)
        return try rows.first.map(EnvironmentLock.handle)
    }

    /// One attempt: insert the row, or take over an expired one, atomically. Nil when someone else holds it.
    private func tryAcquire(holder: String, host: String, pid: Int32, ttl: Duration) async throws -> LockHandle? {
        let rows = try await store.connection.query(
            """
            INSERT INTO environment_lock AS l (holder, host, pid, acquired_at, expires_at, token)
            VALUES ($1, $2, $3::int, clock_timestamp(), clock_timestamp() + make_interval(secs => $4::float8),
                    gen_random_uuid())
            ON CONFLICT (singleton) DO UPDATE
                SET holder = EXCLUDED.holder, host = EXCLUDED.host, pid = EXCLUDED.pid,
                    acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at, token = EXCLUDED.token
                WHERE l.expires_at < clock_timestamp()
            RETURNING l.token::text AS token, l.holder, l.host, l.pid,
                      \(SQLText.rfc3339("l.acquired_at")) AS acquired_at, \(SQLText.rfc3339("l.expires_at")) AS expires_at
            """, [holder, host, String(pid), EnvironmentLock.seconds(ttl)])
        return try rows.first.map(EnvironmentLock.handle)
    }

    private static func handle(_ row: PostgresRow) throws -> LockHandle {
        LockHandle(
            token: try row.required("token"), holder: try row.required("holder"), host: try row.required("host"),
            pid: try row.required("pid", Int32.init), acquiredAt: try row.required("acquired_at"),
            expiresAt: try row.required("expires_at"))
    }

    /// `duration` in seconds as text, for `make_interval(secs => ...)`.
    private static func seconds(_ duration: Duration) -> String {
        String(duration.seconds)
    }
}

extension Store {
    /// This environment's apply lock.
    public var lock: EnvironmentLock { EnvironmentLock(store: self) }
}
