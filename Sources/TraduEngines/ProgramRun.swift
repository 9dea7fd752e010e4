/// A local program run to completion under a deadline, for checks outside the engines (a rollout's `check`):
/// its stdin fed, its stdout captured, the tail of its stderr kept, killed on timeout.
public struct ProgramRun: Sendable {
    public enum Result: Sendable, Equatable {
        case exited(status: Int32, stdout: String, stderrTail: String)
        /// Killed by a signal, timed out, or too much output.
        case failed(String)
    }

    public var command: [String]
    public var environment: [String: String]
    public var timeout: Duration

    public init(command: [String], environment: [String: String], timeout: Duration) {
        self.command = command
        self.environment = environment
        self.timeout = timeout
    }

    public func run(input: [UInt8]) async -> Result {
        guard let program = command.first else { return .failed("empty command") }
        let executable: String
        switch ExecutableLookup.resolve(program, environment: environment) {
        case .success(let path): executable = path
        case .failure(.notFound): return .failed("\(program) was not found")
        case .failure(.notExecutable(let path)): return .failed("\(path) is not executable")
        }
        let child = ChildProcess(
            executable: executable, arguments: Array(command.dropFirst()), environment: environment, input: input,
            timeout: timeout, maxOutputBytes: 16 << 20)
        switch await child.run() {
        case .failure(let launch):
            return .failed("could not start \(program): \(launch.message)")
        case .success(let outcome):
            let stderr = String(decoding: outcome.stderrTail, as: UTF8.self)
            switch (outcome.stop, outcome.termination) {
            case (.timedOut, _): return .failed("\(program) timed out after \(timeout)")
            case (.outputTooLarge, _): return .failed("\(program) printed more than 16 MiB")
            case (.cancelled, _): return .failed("\(program) was cancelled")
            case (.finished, .signalled(let signal)?): return .failed("\(program) was killed by signal \(signal)")
            case (.finished, nil): return .failed("\(program) could not be reaped")
            case (.finished, .exited(let status)?):
                return .exited(
                    status: status, stdout: String(decoding: outcome.stdout, as: UTF8.self), stderrTail: stderr)
            }
        }
    }
}
