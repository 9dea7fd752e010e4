import Foundation
import Logging
import TraduPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// The local PostgreSQL that tradu starts itself when no database URL is given.
///
/// Files: `<home>/postgres.json` records where the cluster is; the cluster (`data/`, `postgres.log`) lives in
/// `<home>/postgres/`. The server listens only on a unix socket (`listen_addresses = ''`) with trust
/// authentication, in a directory only its owner can enter.
///
/// As root, initdb and postgres run as the `postgres` user (`runuser -u postgres --`, or `su` where runuser is
/// missing), which owns the cluster and socket directories. If that user cannot reach the home (say it is under
/// `/root`), the cluster goes to `/var/lib/tradu/<hash of the home path>` instead, recorded in the state file.
/// If `<socket dir>/.s.PGSQL.<port>` would exceed the 107-byte unix socket limit, the socket directory is
/// `/tmp/tradu-<hash>` instead.
public struct EmbeddedPostgres: Sendable {
    public struct Configuration: Sendable {
        /// Holds the state file and, normally, the cluster. Relative paths are resolved against the current
        /// directory when the value is created.
        public var home: String
        /// nil: a free port chosen at initialisation and kept. (It only names the socket file.)
        public var port: Int?
        /// nil: `<cluster>/run`, or `/tmp/tradu-<hash>` when that path would be too long.
        public var socketDirectory: String?
        /// nil: search /usr/lib/postgresql/*/bin (highest version first) and PATH.
        public var binDirectory: String?
        public var database = "tradu"
        /// The superuser initdb creates.
        public var user = "tradu"
        /// Extra `postgresql.conf` settings, written on every start.
        public var serverSettings: [String: String] = [:]
        /// false skips fsync everywhere: faster, but a machine crash can corrupt the cluster. For tests.
        public var durable = true
        public var startTimeoutSeconds = 60

        public init(home: String = EmbeddedPostgres.defaultHome) {
            self.home = home
        }
    }

    public static let defaultHome = ".tradu"

    public let configuration: Configuration
    /// The absolute home directory.
    public let home: String
    private let logger: Logger

    public init(home: String = EmbeddedPostgres.defaultHome, logger: Logger = Logger(label: "tradu.embedded-postgres"))
    {
        self.init(configuration: Configuration(home: home), logger: logger)
    }

    public init(configuration: Configuration, logger: Logger = Logger(label: "tradu.embedded-postgres")) {
        self.configuration = configuration
        self.home = EmbeddedPostgres.absolutePath(configuration.home)
        self.logger = logger
    }

    // MARK: Commands

    /// Initialises the cluster on first use, starts the server unless it runs already, creates the database if
    /// missing, and returns its connection URL.
    @discardableResult
    public func up() async throws -> String {
        try await withHomeLock {
            let serviceUser = try ServiceUser.forCurrentProcess()
            let layout = try resolveLayout(serviceUser: serviceUser)
            let dataVersion = layout.isInitialised ? readVersion(layout) : nil
            let binaries = try PostgresBinaries.locate(
                explicit: configuration.binDirectory, preferredMajor: dataVersion)
            if let dataVersion {
                let binaryVersion = try binaries.majorVersion()
                guard binaryVersion == dataVersion else {
                    throw EmbeddedPostgresError.versionMismatch(
                        dataDirectory: layout.dataDirectory, dataVersion: dataVersion, binaryVersion: binaryVersion)
                }
            }
            try prepareDirectories(layout, serviceUser: serviceUser)
            if !layout.isInitialised {
                try await initialise(layout, binaries: binaries, serviceUser: serviceUser)
            }
            try writeServerSettings(layout, serviceUser: serviceUser)
            if runningPID(layout) == nil {
                try checkSocketFree(layout)
                try await start(layout, binaries: binaries, serviceUser: serviceUser)
            }
            try await ensureDatabase(layout)
            return layout.url(database: configuration.database, user: configuration.user)
        }
    }

    /// Stops the server. Returns false when it was not running (or never initialised).
    @discardableResult
    public func down(mode: ShutdownMode = .fast) async throws -> Bool {
        try await withHomeLock {
            guard let layout = try ClusterLayout.load(home: home), runningPID(layout) != nil else { return false }
            let binaries = try PostgresBinaries.locate(
                explicit: configuration.binDirectory, preferredMajor: readVersion(layout))
            let command = try stopCommand(layout, binaries: binaries, mode: mode)
            try check(try await command.run(), of: command)
            return true
        }
    }

    /// Stops the server synchronously, without taking the home lock: for `atexit` handlers and signal paths.
    @discardableResult
    public func downNow(mode: ShutdownMode = .immediate) throws -> Bool {
        guard let layout = try ClusterLayout.load(home: home), runningPID(layout) != nil else { return false }
        let binaries = try PostgresBinaries.locate(
            explicit: configuration.binDirectory, preferredMajor: readVersion(layout))
        let command = try stopCommand(layout, binaries: binaries, mode: mode)
        try check(try command.runBlocking(), of: command)
        return true
    }

    /// Stops the server at once and deletes the cluster, a socket directory tradu created, and the state file.
    /// The home directory itself stays.
    public func destroy() throws {
        try downNow(mode: .immediate)
        guard let layout = try ClusterLayout.load(home: home) else { return }
        let files = FileManager.default
        try? files.removeItem(atPath: layout.clusterDirectory)
        if configuration.socketDirectory == nil && layout.socketDirectory != layout.clusterDirectory + "/run" {
            try? files.removeItem(atPath: layout.socketDirectory)
        }
        try? files.removeItem(atPath: ClusterLayout.stateFile(home: home))
    }

    public func status() throws -> EmbeddedPostgresStatus {
        guard let layout = try ClusterLayout.load(home: home) else {
            return EmbeddedPostgresStatus(state: .notInitialised, home: home)
        }
        let state: EmbeddedPostgresStatus.State
        if !layout.isInitialised {
            state = .notInitialised
        } else if let pid = runningPID(layout) {
            state = .running(pid: pid)
        } else {
            state = .stopped
        }
        return EmbeddedPostgresStatus(
            state: state, home: home, dataDirectory: layout.dataDirectory, socketDirectory: layout.socketDirectory,
            port: layout.port, logFile: layout.logFile,
            url: state == .notInitialised ? nil : layout.url(database: configuration.database, user: configuration.user)
        )
    }

    /// The connection URL for `database` (default: the configured one). Throws if never initialised.
    public func url(database: String? = nil) throws -> String {
        guard let layout = try ClusterLayout.load(home: home), layout.isInitialised else {
            throw EmbeddedPostgresError.notInitialised(home: home)
        }
        return layout.url(database: database ?? configuration.database, user: configuration.user)
    }

    // MARK: Layout

    private func resolveLayout(serviceUser: ServiceUser?) throws -> ClusterLayout {
        if var layout = try ClusterLayout.load(home: home) {
            let wanted = (configuration.port ?? layout.port, configuration.socketDirectory ?? layout.socketDirectory)
            if wanted != (layout.port, layout.socketDirectory) {
                (layout.port, layout.socketDirectory) = wanted
                try validateSocketPath(layout)
                try layout.save(home: home)
            }
            return layout
        }
        try createDirectory(home, mode: 0o755)
        var cluster = home + "/postgres"
        if let serviceUser, !serviceUser.canTraverse(home) {
            cluster = "/var/lib/tradu/" + shortHash(home)
            logger.notice(
                "user \(serviceUser.name) cannot reach \(home); the PostgreSQL cluster lives in \(cluster)")
        }
        let port = try configuration.port ?? EmbeddedPostgres.freePort()
        var socketDirectory = configuration.socketDirectory ?? cluster + "/run"
        if configuration.socketDirectory == nil
            && "\(socketDirectory)/.s.PGSQL.\(port)".utf8.count > ClusterLayout.maximumSocketPathLength
        {
            socketDirectory = "/tmp/tradu-" + shortHash(cluster, length: 12)
        }
        let layout = ClusterLayout(clusterDirectory: cluster, port: port, socketDirectory: socketDirectory)
        try validateSocketPath(layout)
        try layout.save(home: home)
        return layout
    }

    private func validateSocketPath(_ layout: ClusterLayout) throws {
        guard layout.socketPath.utf8.count <= ClusterLayout.maximumSocketPathLength else {
            throw EmbeddedPostgresError.invalidConfiguration(
                "unix socket path \(layout.socketPath) is longer than \(ClusterLayout.maximumSocketPathLength) "
                    + "bytes; choose a shorter socket directory")
        }
    }

    private func prepareDirectories(_ layout: ClusterLayout, serviceUser: ServiceUser?) throws {
        try createDirectory(layout.clusterDirectory, mode: 0o700)
        try createDirectory(layout.socketDirectory, mode: 0o700)
        if let serviceUser {
            try serviceUser.chown(layout.clusterDirectory)
            try serviceUser.chown(layout.socketDirectory)
        }
        // A shared /tmp directory must be ours, not planted by another user.
        var info = stat()
        guard lstat(layout.socketDirectory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
            info.st_uid == geteuid() || info.st_uid == serviceUser?.uid
        else {
            throw EmbeddedPostgresError.invalidConfiguration(
                "socket directory \(layout.socketDirectory) is not a directory owned by this user")
        }
    }

    private func createDirectory(_ path: String, mode: Int) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            if mode != 0o755 { chmod(path, mode_t(mode)) }
        } catch {
            throw EmbeddedPostgresError.invalidConfiguration("could not create \(path): \(error.localizedDescription)")
        }
    }

    // MARK: Server

    private func initialise(_ layout: ClusterLayout, binaries: PostgresBinaries, serviceUser: ServiceUser?) async throws
    {
        logger.info("initialising PostgreSQL cluster", metadata: ["data": "\(layout.dataDirectory)"])
        var arguments = [
            binaries.initdb, "-D", layout.dataDirectory, "-U", configuration.user, "--auth=trust", "-E", "UTF8",
            "--locale=C",
        ]
        if !configuration.durable { arguments.append("--no-sync") }
        let command = Subprocess(arguments).runningAs(serviceUser?.name)
        try check(try await command.run(), of: command)
        // Our settings live in tradu.conf, rewritten on every start; postgresql.conf stays the user's.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: layout.dataDirectory + "/postgresql.conf"))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\n# Added by tradu.\ninclude_if_exists = 'tradu.conf'\n".utf8))
    }

    private func writeServerSettings(_ layout: ClusterLayout, serviceUser: ServiceUser?) throws {
        var settings = [
            "listen_addresses": "",
            "port": String(layout.port),
            "unix_socket_directories": layout.socketDirectory,
        ]
        if !configuration.durable {
            settings.merge(["fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"]) { $1 }
        }
        settings.merge(configuration.serverSettings) { $1 }
        var text = "# Written by tradu on every start: edit postgresql.conf for your own settings.\n"
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            text += "\(key) = '\(value.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let path = layout.dataDirectory + "/tradu.conf"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        try serviceUser?.chown(path)
    }

    private func start(_ layout: ClusterLayout, binaries: PostgresBinaries, serviceUser: ServiceUser?) async throws {
        logger.info("starting PostgreSQL", metadata: ["socket": "\(layout.socketPath)"])
        let logStart = (try? FileManager.default.attributesOfItem(atPath: layout.logFile)[.size] as? Int) ?? 0
        let command = Subprocess([
            binaries.pgCtl, "start", "-w", "-t", String(configuration.startTimeoutSeconds), "-D", layout.dataDirectory,
            "-l", layout.logFile,
        ]).runningAs(serviceUser?.name)
        let outcome = try await command.run()
        guard !outcome.succeeded else { return }
        let log = logTail(layout.logFile, from: logStart)
        if log.contains("Address already in use") || log.contains("already exists") && log.contains("lock file") {
            throw EmbeddedPostgresError.portInUse(
                port: layout.port, socketDirectory: layout.socketDirectory, pid: lockOwner(layout.socketLockFile))
        }
        throw EmbeddedPostgresError.startupFailed(
            reason: outcome.output.trimmingCharacters(in: .whitespacesAndNewlines), logTail: log)
    }

    private func stopCommand(_ layout: ClusterLayout, binaries: PostgresBinaries, mode: ShutdownMode) throws
        -> Subprocess
    {
        let serviceUser = try ServiceUser.forCurrentProcess()
        return Subprocess([binaries.pgCtl, "stop", "-w", "-t", "60", "-D", layout.dataDirectory, "-m", mode.rawValue])
            .runningAs(serviceUser?.name)
    }

    /// Refuses early, with a clear error, when another live server holds this socket.
    private func checkSocketFree(_ layout: ClusterLayout) throws {
        if let pid = lockOwner(layout.socketLockFile), isPostgresProcess(pid) {
            throw EmbeddedPostgresError.portInUse(port: layout.port, socketDirectory: layout.socketDirectory, pid: pid)
        }
    }

    private func ensureDatabase(_ layout: ClusterLayout) async throws {
        // On error paths the connection closes when released.
        let connection = try await PostgresConnection.connect(
            layout.url(database: "postgres", user: configuration.user), logger: logger)
        let exists = try await connection.query(
            "SELECT 1 FROM pg_database WHERE datname = $1", [configuration.database])
        if exists.isEmpty {
            do {
                try await connection.execute(
                    "CREATE DATABASE \(try PostgresQuoting.identifier(configuration.database))")
                logger.info("created database \(configuration.database)")
            } catch let error as PostgresError where error.sqlState == "42P04" {
                // Created concurrently by someone else: fine.
            }
        }
        await connection.close()
    }

    // MARK: Files and processes

    /// The postmaster's pid if `postmaster.pid` names a live postgres process.
    private func runningPID(_ layout: ClusterLayout) -> Int32? {
        guard let pid = lockOwner(layout.dataDirectory + "/postmaster.pid"), isPostgresProcess(pid) else { return nil }
        return pid
    }

    /// The pid on the first line of a PostgreSQL lock file (`postmaster.pid`, `.s.PGSQL.N.lock`).
    private func lockOwner(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let line = text.split(separator: "\n").first
        else { return nil }
        return Int32(line.trimmingCharacters(in: .whitespaces))
    }

    /// Alive and, where /proc tells, a postgres process (a stale pid file may name a reused pid).
    private func isPostgresProcess(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return true }
        return name.hasPrefix("postgres")
    }

    private func readVersion(_ layout: ClusterLayout) -> String? {
        (try? String(contentsOfFile: layout.dataDirectory + "/PG_VERSION", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The last lines the server logged since `offset`.
    private func logTail(_ path: String, from offset: Int, lines: Int = 30) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func check(_ outcome: Subprocess.Outcome, of command: Subprocess) throws {
        guard outcome.succeeded else {
            throw EmbeddedPostgresError.commandFailed(
                command: command.commandLine, status: outcome.status,
                output: outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Serialises `up`/`down` between processes sharing a home (two `tradu` commands started at once).
    private func withHomeLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try createDirectory(home, mode: 0o755)
        let path = home + "/.postgres.lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EmbeddedPostgresError.invalidConfiguration(
                "could not open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let deadline = ContinuousClock.now + .seconds(120)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                throw EmbeddedPostgresError.invalidConfiguration("timed out waiting for \(path)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await body()
    }

    /// A TCP port nobody listens on right now, from the kernel's ephemeral range.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EmbeddedPostgresError.invalidConfiguration("could not create a socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw EmbeddedPostgresError.invalidConfiguration("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func absolutePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }
}
