import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Moves bytes between a child process and us with `poll`: writes its stdin while reading its stdout and
/// stderr, so that neither side can block the other on a full pipe. Used on a dedicated thread only.
struct PipePump {
    private let input: [UInt8]
    private var written = 0
    private var stdin: FileHandle?
    private var stdoutHandle: FileHandle?
    private var stderrHandle: FileHandle?
    private let maxOutputBytes: Int
    private let stderrTailBytes: Int
    private(set) var stdout: [UInt8] = []
    private var stderrBuffer: [UInt8] = []

    init(
        input: [UInt8], stdin: FileHandle, stdout: FileHandle, stderr: FileHandle, maxOutputBytes: Int,
        stderrTailBytes: Int
    ) {
        self.input = input
        self.stdin = stdin
        self.stdoutHandle = stdout
        self.stderrHandle = stderr
        self.maxOutputBytes = maxOutputBytes
        self.stderrTailBytes = stderrTailBytes
        let fd = stdin.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if input.isEmpty { closeStdin() }
    }

    /// The last `stderrTailBytes` bytes the program wrote to stderr.
    var stderrTail: [UInt8] { Array(stderrBuffer.suffix(stderrTailBytes)) }

    /// Pumps until the program closed stdout and stderr, or the deadline, or cancellation.
    mutating func run(until deadline: ContinuousClock.Instant, cancellation: CancellationSignal) -> ChildProcess.Stop {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while stdoutHandle != nil || stderrHandle != nil {
            if cancellation.isCancelled { return .cancelled }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return .timedOut }
            // Wake up at least every 50 ms to notice cancellation.
            let wait = Int32(max(1, min(50, left.milliseconds)))
            var fds: [pollfd] = []
            if let stdoutHandle {
                fds.append(pollfd(fd: stdoutHandle.fileDescriptor, events: Int16(POLLIN), revents: 0))
            }
            if let stderrHandle {
                fds.append(pollfd(fd: stderrHandle.fileDescriptor, events: Int16(POLLIN), revents: 0))
            }
            if let stdin { fds.append(pollfd(fd: stdin.fileDescriptor, events: Int16(POLLOUT), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), wait) > 0 else { continue }
            for ready in fds where ready.revents != 0 {
                if ready.fd == stdoutHandle?.fileDescriptor {
                    if !read(ready.fd, into: &chunk, appendingTo: &stdout) { stdoutHandle = close(stdoutHandle) }
                    if stdout.count > maxOutputBytes { return .outputTooLarge }
                } else if ready.fd == stderrHandle?.fileDescriptor {
                    if !read(ready.fd, into: &chunk, appendingTo: &stderrBuffer) { stderrHandle = close(stderrHandle) }
                    if stderrBuffer.count > 2 * stderrTailBytes {
                        stderrBuffer.removeFirst(stderrBuffer.count - stderrTailBytes)
                    }
                } else if ready.fd == stdin?.fileDescriptor {
                    writeInput()
                }
            }
        }
        return .finished
    }

    mutating func closeAll() {
        closeStdin()
        stdoutHandle = close(stdoutHandle)
        stderrHandle = close(stderrHandle)
    }

    /// Reads what is available; false at end of file or on an error.
    private func read(_ fd: Int32, into chunk: inout [UInt8], appendingTo output: inout [UInt8]) -> Bool {
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count > 0 {
            output.append(contentsOf: chunk[0..<count])
            return true
        }
        return count < 0 && (errno == EINTR || errno == EAGAIN)
    }

    private mutating func writeInput() {
        guard let fd = stdin?.fileDescriptor else { return }
        let count = input[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, min($0.count, 64 * 1024)) }
        if count > 0 {
            written += count
            if written == input.count { closeStdin() }
        } else if count < 0 && errno != EINTR && errno != EAGAIN {
            // EPIPE: the program stopped reading. Its exit status and output tell what happened.
            if errno == EPIPE { Self.consumePendingSIGPIPE() }
            closeStdin()
        }
    }

    private mutating func closeStdin() {
        stdin = close(stdin)
    }

    /// Closes `handle`; returns nil to store back.
    private func close(_ handle: FileHandle?) -> FileHandle? {
        try? handle?.close()
        return nil
    }

    private static func consumePendingSIGPIPE() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        var immediately = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&set, nil, &immediately)
    }
}
