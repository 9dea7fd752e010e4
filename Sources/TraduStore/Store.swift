import Foundation
import Logging
import TraduPostgres

/// An open tradu store: the only face of an environment's database. Callers see its methods and `StoreError`,
/// never a connection: every transaction on it sets `search_path` to the environment's schema (`SET LOCAL`, so a
/// pooler in transaction mode cannot mix environments), migrated to the version this build knows.
///
/// One `Store` is one connection, used by one loop at a time (a worker opens one for claiming, one for
/// committing, one for heartbeats), so a blocking wait on one never stalls another.
public struct Store: Sendable {
    let connection: StoreConnection
    public let schema: EnvironmentSchema
    /// Told of every transition this store records (`block_events`), so the process can log it.
    public var transitions: TransitionObserver?
    /// Whether the hot transitions (scheduling, claims, completions) write their events as chunks
    /// (`block_event_chunks`, migration 27) rather than rows. On: the release before this one (4e43877) already
    /// read chunks everywhere, so a rollback by one release never meets a form it cannot read. Off only to measure
    /// the rows (`tradu-bench run --event-rows`) or to test them.
    public var writesEventChunks = true
    /// Whether `listen(for:)` really listens: false behind a pooler in transaction mode, where a `LISTEN` would
    /// stay on whichever server session ran it (see `open(url:schema:migrations:logger:wakeups:)`).
    public let wakeups: Bool
    /// Names this store's commits in `commit_marks` (see `markCommit`): one store is one connection, whose
    /// commits follow one another, and a reconnect (`recover()`) keeps the name.
    public let committer = UUID()

    /// Connects to `url`, migrates the schema of `environment` (`tradu_<environment>`), and sets `search_path`
    /// to it in every transaction.
    public static func open(
        url: String, environment: String, migrations: [Migration] = StoreMigrations.all,
        logger: Logger = Logger(label: "tradu.store")
    ) async throws -> Store {
        try await open(
            url: url, schema: EnvironmentSchema(environment: environment), migrations: migrations, logger: logger)
    }

    /// `wakeups: false` is for a URL that goes through a pooler in transaction mode (PgBouncer): `LISTEN` cannot
    /// pass through one, so `listen(for:)` does nothing and `waitForWakeup(timeout:)` waits out its timeout, and
    /// the processes poll (a worker every `pollInterval`, the controller every tick).
    ///
    /// `applicationName` names the session in `pg_stat_activity` (`tradu events`, ...).
    public static func open(
        url: String, schema: EnvironmentSchema, migrations: [Migration] = StoreMigrations.all,
        logger: Logger = Logger(label: "tradu.store"), wakeups: Bool = true, applicationName: String? = nil
    ) async throws -> Store {
        let postgres = try await StoreError.mapping {
            try await PostgresConnection.connect(url, applicationName: applicationName, logger: logger)
        }
        let connection = StoreConnection(postgres: postgres)
        do {
            try await StoreError.mapping {
                try await Migrator(connection: postgres, migrations: migrations, logger: logger)
                    .migrate(environmentSchema: schema)
            }
            try await connection.setForEveryTransaction("search_path", to: schema.quoted)
            // JIT compiles a statement whose estimated cost passes `jit_above_cost`, at every execution: tradu's
            // statements read a few index entries each, but estimates grow with the tables (the watchdogs'
            // statement compiled at a million blocks, 2.5 ms of its 3.9 ms a call), so the compiling becomes most
            // of their cost. Off in every transaction: no round trip, and nothing set in a pooler's shared sessions.
            try await connection.setForEveryTransaction("jit", to: "off")
        } catch {
            await connection.close()
            throw error
        }
        return Store(connection: connection, schema: schema, wakeups: wakeups)
    }

    /// Brings `schema` on the database at `url` to the migrations this build knows, without keeping a store
    /// open (`tradu db migrate`). Returns the migrations this call applied.
    public static func migrate(url: String, schema: EnvironmentSchema, logger: Logger) async throws -> [Migration] {
        let postgres = try await StoreError.mapping { try await PostgresConnection.connect(url, logger: logger) }
        do {
            let applied = try await StoreError.mapping {
                try await Migrator(connection: postgres, logger: logger).migrate(environmentSchema: schema)
            }
            await postgres.close()
            return applied
        } catch {
            await postgres.close()
            throw error
        }
    }

    /// Runs `body` with a store open on `url`, and closes it whatever happens.
    public static func withStore<T: Sendable>(
        url: String, schema: EnvironmentSchema, logger: Logger, _ body: (Store) async throws -> T
    ) async throws -> T {
        let store = try await open(url: url, schema: schema, logger: logger)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    public func close() async {
        await connection.close()
    }

    /// Whether the observer wants the success path (planned, scheduled, claimed, completed): only then are those
    /// transitions gathered.
    var reportsSuccessPath: Bool { transitions?.everyTransition == true }

    /// Hands the transitions just committed to the observer: all of them, or those off the success path.
    func report(_ made: [BlockTransition]) {
        guard let transitions, !made.isEmpty else { return }
        let shown = transitions.everyTransition ? made : made.filter { !$0.isSuccessPath }
        if !shown.isEmpty { transitions.observe(shown) }
    }

    /// For the runtime's stores (claiming, scheduling, watchdogs): plans walk indexes in order, never through a
    /// bitmap, in every transaction of this store, at no extra round trip.
    ///
    /// The entries of blocks already claimed or scheduled stay in the partial indexes until vacuum reaches
    /// them. An ordered index scan marks them dead as it passes (btree `kill_prior_tuple`), so the next claim
    /// skips them; a bitmap scan, which the planner prefers whenever its statistics say few rows match, re-reads
    /// every one of them on every claim: a cost per claim that grows with the blocks processed so far.
    public func preferOrderedIndexScans() async throws {
        try await connection.setForEveryTransaction("enable_bitmapscan", to: "off")
    }

    /// For a store that follows `block_events` by id (the API's event reader), in every transaction at no extra
    /// round trip:
    /// - no sequential scan and no sort. The log grows fast and its statistics lag: until autovacuum analyses
    ///   it, the planner takes `id > $1` for a third of the table and reads the whole log and sorts it at every
    ///   read (seen at 100,000 events: a tenth of the reader's time in the sort alone), where the primary key
    ///   hands the new events over in order;
    /// - times written in ISO style in UTC (`2026-12-04 15:53:35.777123+00`), whatever the server's defaults, so
    ///   the reader turns them into RFC 3339 by moving characters (`PostgresTimestamp`): formatting them in the
    ///   statement was a fifth of its time.
    public func prepareEventLogReader() async throws {
        try await connection.setForEveryTransaction("enable_seqscan", to: "off")
        try await connection.setForEveryTransaction("enable_sort", to: "off")
        try await connection.setForEveryTransaction("TimeZone", to: "'UTC'")
        try await connection.setForEveryTransaction("DateStyle", to: "'ISO'")
    }

    /// Bounds every statement of this store (the API's: no request may hold a connection for long); a statement
    /// cut off fails with SQLSTATE 57014.
    public func limitStatements(to limit: Duration) async throws {
        let milliseconds = max(
            1, limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000)
        try await connection.setForEveryTransaction("statement_timeout", to: "\(milliseconds)")
    }

    /// Reconnects if the connection was lost, restoring the schema and the channels listened to. Throws
    /// `StoreError.unavailable` while the database is still away. Call it after a transient error.
    public func recover() async throws {
        try await connection.reconnectIfNeeded()
    }
}
