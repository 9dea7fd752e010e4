import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program run to completion under a deadline: its stdin fed, its stdout captured, the tail of its stderr
/// kept. The blocking work (poll, wait) runs on a thread of its own, never on Swift's cooperative pool. On
/// timeout or cancellation the program's whole process group is killed.
struct ChildProcess: Sendable {
    enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    enum Stop: Sendable, Equatable {
        /// The program closed stdout and stderr and exited.
        case finished
        case timedOut
        case cancelled
        /// Stdout grew past `maxOutputBytes`.
        case outputTooLarge
    }

    struct Outcome: Sendable {
        var stop: Stop
        /// nil when the program could not be reaped, even after SIGKILL.
        var termination: Termination?
        var stdout: [UInt8]
        var stderrTail: [UInt8]
    }

    struct LaunchFailure: Error {
        var message: String
    }

    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var input: [UInt8]
    var timeout: Duration
    var maxOutputBytes = 64 << 20
    var stderrTailBytes = 4096

    /// How long to wait for a killed program to be reaped before giving up on it.
    static let reapGrace = DispatchTimeInterval.seconds(5)

    func run() async -> Result<Outcome, LaunchFailure> {
        let cancellation = CancellationSignal()
        return await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<Outcome, LaunchFailure>, Never>) in
                let thread = Thread { continuation.resume(returning: runBlocking(cancellation)) }
                thread.name = "tradu-command"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    private struct Launched {
        var process: Process
        var stdin: Pipe
        var stdout: Pipe
        var stderr: Pipe
        var exited: DispatchSemaphore
    }

    /// Starts the program. "Text file busy" is retried a few times: it happens when another thread forks
    /// while it still has the program file open for writing, and passes as soon as that child execs.
    private func launch() -> Result<Launched, LaunchFailure> {
        var delay = 10
        while true {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            let launched = Launched(
                process: process, stdin: Pipe(), stdout: Pipe(), stderr: Pipe(), exited: DispatchSemaphore(value: 0))
            process.standardInput = launched.stdin
            process.standardOutput = launched.stdout
            process.standardError = launched.stderr
            let exited = launched.exited
            process.terminationHandler = { _ in exited.signal() }
            do {
                try process.run()
                return .success(launched)
            } catch {
                let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                // Foundation reports it either as the error itself or as its underlying POSIX error.
                let busy = [error as NSError, underlying].contains {
                    $0?.domain == NSPOSIXErrorDomain && $0?.code == Int(ETXTBSY)
                }
                let text = [error.localizedDescription, underlying?.localizedDescription ?? ""].joined()
                if busy || text.contains("Text file busy"), delay <= 1_280 {
                    usleep(useconds_t(delay * 1000))
                    delay *= 2
                    continue
                }
                return .failure(LaunchFailure(message: underlying?.localizedDescription ?? error.localizedDescription))
            }
        }
    }

    private func runBlocking(_ cancellation: CancellationSignal) -> Result<Outcome, LaunchFailure> {
        let launched: Launched
        switch launch() {
        case .success(let result): launched = result
        case .failure(let failure): return .failure(failure)
        }
        let process = launched.process
        let exited = launched.exited
        // After the spawn, so the program itself keeps the default mask: a program that stops reading its
        // stdin must make our write fail with EPIPE, not kill this process.
        Self.blockSIGPIPE()
        let deadline = ContinuousClock.now + timeout
        var pump = PipePump(
            input: input, stdin: launched.stdin.fileHandleForWriting, stdout: launched.stdout.fileHandleForReading,
            stderr: launched.stderr.fileHandleForReading, maxOutputBytes: maxOutputBytes,
            stderrTailBytes: stderrTailBytes)
        var stop = pump.run(until: deadline, cancellation: cancellation)
        pump.closeAll()

        if stop == .finished {
            let left = max(.zero, deadline - ContinuousClock.now)
            if exited.wait(timeout: .now() + .milliseconds(Int(left.milliseconds))) == .timedOut {
                stop = .timedOut
            }
        }
        var reaped = true
        if stop != .finished {
            Self.kill(process)
            reaped = exited.wait(timeout: .now() + Self.reapGrace) == .success
        }
        let termination: Termination? =
            reaped
            ? (process.terminationReason == .exit
                ? .exited(process.terminationStatus) : .signalled(process.terminationStatus))
            : nil
        return .success(Outcome(stop: stop, termination: termination, stdout: pump.stdout, stderrTail: pump.stderrTail))
    }

    /// SIGKILL to the program's process group (Foundation starts it as a group leader), so that what it
    /// started dies with it and releases our pipes, then to the program itself.
    private static func kill(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
    }

    private static func blockSIGPIPE() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}

/// Set from the task's cancellation handler, polled by the thread that runs the program.
final class CancellationSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    func cancel() { flag.store(true, ordering: .relaxed) }

    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
