import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program to completion with `posix_spawn`, stdout and stderr captured together.
///
/// The synchronous form is safe in an `atexit` handler; the async form waits on its own thread so the
/// cooperative pool never blocks on `waitpid`.
struct Subprocess: Sendable {
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var succeeded: Bool { status == 0 }
    }

    /// The program and its arguments; `arguments[0]` is an absolute path or a name looked up in PATH.
    var arguments: [String]

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The same command run as `user` via `runuser -u USER --`, or `su USER -s /bin/sh -c` where runuser is
    /// missing. Only root can do this.
    func runningAs(_ user: String?) -> Subprocess {
        guard let user else { return self }
        if let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first(where: isExecutable) {
            return Subprocess([runuser, "-u", user, "--"] + arguments)
        }
        let command = arguments.map(Subprocess.shellQuoted).joined(separator: " ")
        return Subprocess(["su", user, "-s", "/bin/sh", "-c", command])
    }

    var commandLine: String { arguments.map(Subprocess.shellQuoted).joined(separator: " ") }

    func run() async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try self.runBlocking() })
            }
            thread.name = "tradu-subprocess"
            thread.start()
        }
    }

    /// Every descriptor above stderr is closed in the child, so a server it starts never holds one of ours: a
    /// pipe this process inherited without close-on-exec (from a CI runner, a test harness) would otherwise stay
    /// open for the server's whole life, and whoever reads that pipe to its end would wait for it forever.
    ///
    /// glibc 2.34+ has `posix_spawn_file_actions_addclosefrom_np`; it is looked up at run time because the Glibc
    /// module does not export it.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return }
        let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
        _ = closeFrom(&actions, 3)
    }

    func runBlocking() throws -> Outcome {
        var template = Array("/tmp/tradu-output-XXXXXX".utf8CString)
        let outputFD = template.withUnsafeMutableBufferPointer { buffer in
            let fd = mkstemp(buffer.baseAddress!)
            if fd >= 0 { unlink(buffer.baseAddress!) }
            return fd
        }
        guard outputFD >= 0 else { throw spawnError("could not create a temporary file") }
        defer { close(outputFD) }
        // Close-on-exec: only the dup2 copies (stdout, stderr) reach the child, never a server it starts.
        _ = fcntl(outputFD, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        Self.closeInheritedDescriptors(&actions)

        // The child (and a server it may start) gets default signal handling and an empty signal mask,
        // whatever this process has set up.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw spawnError("could not run \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw spawnError("waitpid failed: \(String(cString: strerror(errno)))") }
        }
        let exitStatus: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: exitStatus, output: Subprocess.readAll(outputFD))
    }

    private static func readAll(_ fd: Int32) -> String {
        lseek(fd, 0, SEEK_SET)
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func spawnError(_ message: String) -> EmbeddedPostgresError {
        .commandFailed(command: commandLine, status: -1, output: message)
    }

    static func shellQuoted(_ argument: String) -> String {
        let safe = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:@%+,".contains($0) }
        if safe && !argument.isEmpty { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

func isExecutable(_ path: String) -> Bool {
    access(path, X_OK) == 0
}
