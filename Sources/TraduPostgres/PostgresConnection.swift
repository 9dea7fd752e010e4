import CLibPQ
import Foundation
import Logging

/// One libpq connection, running on its own thread.
///
/// Every libpq call runs on a dedicated thread (see `ConnectionThreadExecutor`), never on Swift's cooperative
/// pool. Methods are synchronous inside the actor, so one call finishes before the next starts and statements
/// from different tasks never interleave; from outside, call them with `await`.
///
/// Losing the connection: the failing call throws an error whose `isConnectionLoss` is true; the next call (or
/// `reconnectIfNeeded()`) resets the connection and restores the session: `LISTEN` channels and statements
/// registered with `addSessionSetup(_:)`. Notifications sent while disconnected are lost. Inside a
/// transaction there is no silent reconnect: the transaction fails.
///
/// Statements with parameters run prepared when the session is the server's own (`PreparedStatements`,
/// `preparesStatements`).
public actor PostgresConnection {
    private let executor: ConnectionThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public nonisolated let logger: Logger
    /// Where the connection points, without secrets ("user@host:port/dbname").
    public nonisolated let target: String

    private let conninfo: String
    /// Shown in `pg_stat_activity.application_name`, so an operator (or a benchmark) can tell tradu's sessions
    /// apart. Kept across reconnects: libpq's reset reuses the options.
    private let applicationName: String?
    private let notices: NoticeSink
    private var handle: ConnectionHandle?
    private var closed = false
    var listenedChannels: [String] = []
    private var sessionSetup: [String] = []
    /// Settings every transaction starts with (see `setForEveryTransaction(_:to:)`).
    private(set) var transactionSettings: [PostgresSetting] = []
    var transactionDepth = 0
    /// The statements the session holds prepared; `capacity` 0 when preparing is off for this connection.
    private var statements: PreparedStatements
    /// Whether statements with parameters run prepared: the connection allows it and no pooler stands between
    /// it and the server (`PoolerCheck`). Decided again at every reconnect.
    public private(set) var preparesStatements = false

    private init(conninfo: String, applicationName: String?, preparedStatementLimit: Int, logger: Logger) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.statements = PreparedStatements(capacity: max(0, preparedStatementLimit))
        self.logger = logger
        self.target = PostgresConnectionString.target(conninfo)
        self.notices = NoticeSink(logger: logger)
        self.executor = ConnectionThreadExecutor(name: "tradu-pg")
    }

    deinit {
        // `handle` is released after this, which calls PQfinish.
        executor.shutdown()
    }

    /// Opens a connection. `conninfo` is a URI (`postgresql://user@host:5432/db`) or keyword/value string
    /// (`host=/run/postgresql port=5432 dbname=db`). Errors never contain the password. `applicationName`
    /// overrides one the conninfo may carry. `preparedStatementLimit` bounds the statements the session keeps
    /// prepared (0: none): each holds about 70 KB of the server's memory (tradu's statements, read from
    /// `pg_backend_memory_contexts`; a worker's connection held 10 after its claims and completions).
    public static func connect(
        _ conninfo: String, applicationName: String? = nil,
        preparedStatementLimit: Int = 64,
        logger: Logger = Logger(label: "tradu.postgres")
    ) async throws -> PostgresConnection {
        let connection = PostgresConnection(
            conninfo: conninfo, applicationName: applicationName, preparedStatementLimit: preparedStatementLimit,
            logger: logger)
        try await connection.open()
        return connection
    }

    private func open() throws {
        guard let pointer = Self.start(conninfo, applicationName: applicationName) else {
            throw PostgresError(kind: .connection, message: "could not allocate a PostgreSQL connection")
        }
        let handle = ConnectionHandle(pointer)
        guard PQstatus(pointer) == CONNECTION_OK else {
            throw connectFailure(pointer)
        }
        notices.install(on: pointer)
        self.handle = handle
        try decidePreparation(pointer)
    }

    /// Prepares statements only on a session that is the server's own (`PoolerCheck`), and there with custom plans:
    /// a generic plan, made once from estimates, is what the statements' planner guards exist to avoid (one made
    /// while `translation_memory` was empty cost 175 µs a block instead of 4 in a run). The session `SET` is safe
    /// for that reason: no other client ever uses this session. Called on a fresh session, with the cache empty
    /// and preparing off: after `open`, or after `connection()` reset both with the session.
    private func decidePreparation(_ connection: OpaquePointer) throws {
        guard statements.capacity > 0 else { return }
        let result = PQexec(connection, "SELECT pg_backend_pid()")
        defer { PQclear(result) }
        let rows = LibPQResult.rows(try LibPQResult.check(result, connection: connection))
        let serverPID = rows.first?[0].flatMap { Int32($0) }
        guard PoolerCheck.ownsSession(reportedPID: PQbackendPID(connection), serverPID: serverPID) else {
            logger.debug(
                "a pooler stands between this connection and the server: statements are not prepared",
                metadata: ["target": "\(target)"])
            return
        }
        let set = PQexec(connection, "SET plan_cache_mode TO force_custom_plan")
        defer { PQclear(set) }
        _ = try LibPQResult.check(set, connection: connection)
        preparesStatements = true
    }

    /// `PQconnectdb`, or with an application name `PQconnectdbParams` expanding the conninfo as `dbname` (libpq
    /// reads a URI or keyword/value string there), the name after it so that it wins over one in the conninfo.
    private static func start(_ conninfo: String, applicationName: String?) -> OpaquePointer? {
        guard let applicationName else { return PQconnectdb(conninfo) }
        let names: [String] = ["dbname", "application_name"]
        let settings: [String] = [conninfo, applicationName]
        let keywords = names.map { strdup($0) }
        let values = settings.map { strdup($0) }
        defer { for pointer in keywords + values { free(pointer) } }
        let keywordPointers: [UnsafePointer<CChar>?] = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
        let valuePointers: [UnsafePointer<CChar>?] = values.map { $0.map { UnsafePointer($0) } } + [nil]
        return PQconnectdbParams(keywordPointers, valuePointers, 1)
    }

    /// Closes the connection. Later calls throw a `.misuse` error.
    public func close() {
        handle = nil
        closed = true
    }

    /// Whether libpq believes the connection is up. A dropped connection is only noticed on the next call.
    public var isConnected: Bool {
        handle.map { PQstatus($0.pointer) == CONNECTION_OK } ?? false
    }

    /// The server process id serving this connection.
    public var backendPID: Int32 {
        get throws { PQbackendPID(try connection()) }
    }

    /// Reconnects if the connection was lost, restoring LISTENs and session setup. Throws if the server is still
    /// unreachable.
    public func reconnectIfNeeded() throws {
        _ = try connection()
    }

    /// Runs `sql` now and again after every reconnect: for session state such as `SET search_path`.
    public func addSessionSetup(_ sql: String) throws {
        try execute(sql)
        sessionSetup.append(sql)
    }

    /// Sets `name` to `value` (SQL text: an identifier, a number, a quoted literal) in every transaction this
    /// connection runs, with `SET LOCAL`, never in the session.
    ///
    /// Behind a pooler in transaction mode (PgBouncer), consecutive transactions of one client may run on
    /// different server sessions, each last used by another client: a session `SET` would be missing from ours and
    /// leak into theirs (one environment's `search_path` writing into another's schema). So a connection with
    /// settings runs every statement in a transaction that starts with them: a statement outside `transaction`
    /// becomes BEGIN with the settings (one round trip), the statement, COMMIT.
    public func setForEveryTransaction(_ name: String, to value: String) throws {
        let setting = PostgresSetting(name, value)
        _ = try setting.statement()
        transactionSettings.removeAll { $0.name == name }
        transactionSettings.append(setting)
    }

    /// BEGIN, then the connection's transaction settings and `settings`, as one simple query (one round trip).
    func beginStatement(_ isolation: PostgresIsolationLevel, settings: [PostgresSetting] = []) throws -> String {
        try
            (["BEGIN ISOLATION LEVEL \(isolation.rawValue)"]
            + (transactionSettings + settings).map { try $0.statement() })
            .joined(separator: "; ")
    }

    // MARK: Statements

    /// Runs one statement with `$1, $2, ...` parameters in text format (nil is NULL) and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        try query(sql, binding: parameters.map { .text($0) })
    }

    /// Runs one statement with `$1, $2, ...` parameters, text or binary arrays (`PostgresParameter`), and returns
    /// its rows.
    @discardableResult
    public func query(_ sql: String, binding parameters: [PostgresParameter]) throws -> PostgresRows {
        if transactionDepth == 0 && !transactionSettings.isEmpty {
            return try transaction { connection in try connection.query(sql, binding: parameters) }
        }
        let connection = try connection()
        var values: [UnsafePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var types: [Oid] = []
        values.reserveCapacity(parameters.count)
        defer {
            for value in values { free(UnsafeMutablePointer(mutating: value)) }
        }
        for parameter in parameters {
            let position = values.count + 1
            types.append(Oid(parameter.typeOID))
            if let binary = try parameter.binary(position: position) {
                let copy = malloc(max(binary.count, 1))!.assumingMemoryBound(to: CChar.self)
                binary.withUnsafeBytes { source in
                    if let base = source.baseAddress { memcpy(copy, base, binary.count) }
                }
                values.append(UnsafePointer(copy))
                lengths.append(Int32(binary.count))
                formats.append(1)
            } else if case .text(let text?) = parameter {
                values.append(try Self.cString(text, position: position))
                lengths.append(0)
                formats.append(0)
            } else {
                values.append(nil)
                lengths.append(0)
                formats.append(0)
            }
        }
        let result: OpaquePointer?
        if preparesStatements && !parameters.isEmpty {
            let name = try prepared(sql, types: types, on: connection)
            result = PQexecPrepared(connection, name, Int32(values.count), values, lengths, formats, 0)
        } else {
            result = PQexecParams(connection, sql, Int32(values.count), types, values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        do {
            return LibPQResult.rows(try LibPQResult.check(result, connection: connection))
        } catch let error as PostgresError where error.sqlState == "26000" && preparesStatements {
            // The session lost a statement this connection prepared: something ran DEALLOCATE or DISCARD on it.
            statements.forget(sql: sql, types: types)
            throw error
        }
    }

    /// The name under which the session holds `sql`, preparing it first. The least recently used statement is
    /// deallocated when the session holds `capacity` of them. A name the session holds already (a deallocation
    /// that failed with its transaction) is the same statement: the name is a digest of the text.
    private func prepared(_ sql: String, types: [Oid], on connection: OpaquePointer) throws -> String {
        switch statements.step(sql: sql, types: types) {
        case .execute(let name):
            return name
        case .prepare(let name, let forgetting):
            do {
                for old in forgetting {
                    let result = PQexec(connection, "DEALLOCATE \(old)")
                    defer { PQclear(result) }
                    _ = try LibPQResult.check(result, connection: connection)
                }
                // The name is `tradu_` and hex digits: a literal needs no quoting beyond its quotes.
                let held = PQexec(connection, "SELECT 1 FROM pg_prepared_statements WHERE name = '\(name)'")
                defer { PQclear(held) }
                if PQntuples(try LibPQResult.check(held, connection: connection)) > 0 { return name }
                let result = PQprepare(connection, name, sql, Int32(types.count), types)
                defer { PQclear(result) }
                _ = try LibPQResult.check(result, connection: connection)
            } catch {
                statements.forget(sql: sql, types: types)
                throw error
            }
            return name
        }
    }

    /// A malloc'd, NUL-terminated copy of `parameter` for libpq (freed by the caller). A NUL inside it would cut
    /// the value short without a word, so it is refused. One `memchr` and one `memcpy` over the UTF-8 bytes: a
    /// completion's parameters carry every record of its blocks, and a generic byte-by-byte scan of them was
    /// about a twentieth of a worker's CPU.
    static func cString(_ parameter: String, position: Int) throws -> UnsafePointer<CChar> {
        var parameter = parameter
        return try parameter.withUTF8 { bytes in
            let copy = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
            if let base = bytes.baseAddress, !bytes.isEmpty {
                guard memchr(base, 0, bytes.count) == nil else {
                    free(copy)
                    throw PostgresError(kind: .misuse, message: "query parameter $\(position) contains NUL")
                }
                memcpy(copy, base, bytes.count)
            }
            copy[bytes.count] = 0
            return UnsafePointer(copy)
        }
    }

    /// Runs one or more `;`-separated statements without parameters (simple query protocol). Multi-statement
    /// strings run in one implicit transaction unless they contain their own BEGIN/COMMIT.
    public func execute(_ sql: String) throws {
        if transactionDepth == 0 && !transactionSettings.isEmpty {
            return try transaction { connection in try connection.execute(sql) }
        }
        try executeAlone(sql)
    }

    /// `execute` without the transaction settings, for statements that cannot run in a transaction block
    /// (`BEGIN` itself, `VACUUM`, `LISTEN` on a dedicated connection).
    func executeAlone(_ sql: String) throws {
        let connection = try connection()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        _ = try LibPQResult.check(result, connection: connection)
    }

    // MARK: Connection state

    /// The live libpq connection, reconnecting first if it was lost (except inside a transaction).
    func connection() throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(kind: .misuse, message: closed ? "connection is closed" : "connection is not open")
        }
        let pointer = handle.pointer
        if PQstatus(pointer) == CONNECTION_OK { return pointer }
        guard transactionDepth == 0 else {
            throw PostgresError(kind: .connection, message: "connection to \(target) lost during a transaction")
        }
        logger.warning("PostgreSQL connection lost; reconnecting", metadata: ["target": "\(target)"])
        PQreset(pointer)
        statements.removeAll()
        preparesStatements = false
        guard PQstatus(pointer) == CONNECTION_OK else {
            throw connectFailure(pointer)
        }
        try restoreSession(pointer)
        try decidePreparation(pointer)
        logger.info("PostgreSQL connection restored", metadata: ["target": "\(target)"])
        return pointer
    }

    private func restoreSession(_ connection: OpaquePointer) throws {
        var statements = sessionSetup
        for channel in listenedChannels {
            statements.append("LISTEN \(try PostgresQuoting.identifier(channel))")
        }
        for sql in statements {
            let result = PQexec(connection, sql)
            defer { PQclear(result) }
            _ = try LibPQResult.check(result, connection: connection)
        }
    }

    /// A clear connection error naming the target, with any password scrubbed from libpq's message.
    private func connectFailure(_ connection: OpaquePointer) -> PostgresError {
        var reason = LibPQResult.trimmed(String(cString: PQerrorMessage(connection)))
        if let password = PostgresConnectionString.password(conninfo), !password.isEmpty {
            reason = reason.replacingOccurrences(of: password, with: "***")
        }
        return PostgresError(kind: .connection, message: "could not connect to PostgreSQL at \(target): \(reason)")
    }
}

/// Owns a `PGconn*` and finishes it when released, so the pointer cannot outlive or escape its owner.
final class ConnectionHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }
}
