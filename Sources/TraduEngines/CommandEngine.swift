import Foundation
import TraduCore

/// The `command` engine: a local program speaking JSON lines, run once per request without a shell.
///
/// It reads one line per segment on stdin, `{"id","text","sourceLanguage","targetLanguage"}` (plus `prompt`
/// when the engine has one), until end of file, and writes one line per segment on stdout, `{"id","text"}`,
/// in any order. Exit status 0 means success; stderr is kept for error messages.
public struct CommandEngine: TranslationEngine {
    static let maxOutputBytes = 64 << 20
    static let stderrTailBytes = 4096
    static let stderrLinesShown = 10

    let name: String
    let program: String
    let arguments: [String]
    let environment: [String: String]
    let timeout: DurationValue
    let prompt: String?

    init(_ engine: Engine, program: String, arguments: [String], environment: [String: String]) {
        name = engine.name
        self.program = program
        self.arguments = arguments
        self.environment = environment
        timeout = engine.timeout
        prompt = engine.prompt
    }

    public func translate(_ request: TranslationRequest) async throws(BlockFailure) -> TranslationResponse {
        let executable: String
        switch ExecutableLookup.resolve(program, environment: environment) {
        case .success(let path):
            executable = path
        case .failure(.notFound):
            throw failure(.logic, program.contains("/") ? "program not found" : "program not found in PATH")
        case .failure(.notExecutable(let path)):
            throw failure(.logic, "\(path) is not executable")
        }
        let child = ChildProcess(
            executable: executable, arguments: arguments, environment: environment, input: try input(for: request),
            timeout: timeout.duration, maxOutputBytes: Self.maxOutputBytes,
            stderrTailBytes: Self.stderrTailBytes)
        let outcome: ChildProcess.Outcome
        switch await child.run() {
        case .success(let result): outcome = result
        case .failure(let launch): throw failure(.logic, "could not start: \(launch.message)")
        }
        try check(outcome)
        return try parse(outcome.stdout, for: request)
    }

    func input(for request: TranslationRequest) throws(BlockFailure) -> [UInt8] {
        let renderedPrompt = prompt.map {
            PromptTemplate.render(
                $0, ["sourceLanguage": request.sourceLanguage, "targetLanguage": request.targetLanguage])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8] = []
        do {
            for segment in request.segments {
                let line = CommandWire.Input(
                    id: segment.id, text: segment.text, sourceLanguage: request.sourceLanguage,
                    targetLanguage: request.targetLanguage, prompt: renderedPrompt)
                bytes.append(contentsOf: try encoder.encode(line))
                bytes.append(UInt8(ascii: "\n"))
            }
        } catch {
            throw failure(.logic, "could not encode the input: \(error)")
        }
        return bytes
    }

    /// Throws unless the program finished in time and exited with status 0.
    private func check(_ outcome: ChildProcess.Outcome) throws(BlockFailure) {
        let stderr = Self.stderrSummary(outcome.stderrTail)
        switch outcome.stop {
        case .finished: break
        case .timedOut: throw failure(.dependency, "timed out after \(timeout) and was killed" + stderr)
        case .cancelled: throw failure(.infrastructure, "cancelled; the program was killed")
        case .outputTooLarge:
            throw failure(.data, "wrote more than \(Self.maxOutputBytes >> 20) MiB to stdout and was killed")
        }
        switch outcome.termination {
        case .exited(0): break
        case .exited(let status): throw failure(.dependency, "exited with status \(status)" + stderr)
        case .signalled(let signal): throw failure(.dependency, "was killed by signal \(signal)" + stderr)
        case nil: throw failure(.dependency, "did not exit" + stderr)
        }
    }

    func parse(_ stdout: [UInt8], for request: TranslationRequest) throws(BlockFailure) -> TranslationResponse {
        let decoder = JSONDecoder()
        var collector = TranslationCollector(request)
        var lineNumber = 0
        var reported: (input: Int, output: Int)?
        for rawLine in stdout.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                continue
            }
            guard let output = try? decoder.decode(CommandWire.Output.self, from: Data(line)) else {
                throw failure(
                    .data,
                    "stdout line \(lineNumber) is not {\"id\":...,\"text\":...} JSON: "
                        + FailureText.clip(String(decoding: line, as: UTF8.self)))
            }
            collector.add(id: output.id, text: output.text)
            if output.inputTokens != nil || output.outputTokens != nil {
                reported = (
                    (reported?.input ?? 0) + (output.inputTokens ?? 0),
                    (reported?.output ?? 0) + (output.outputTokens ?? 0)
                )
            }
        }
        let translations = try collector.finish("engine '\(name)': the output of \(program)")
        // Programs that do not count tokens get the pseudo engine's estimate (UTF-8 bytes / 4), so cost and a
        // rollout's token ratio still compare like with like.
        let tokens =
            reported
            ?? (
                request.segments.reduce(0) { $0 + ($1.text.utf8.count + 3) / 4 },
                translations.values.reduce(0) { $0 + ($1.utf8.count + 3) / 4 }
            )
        return TranslationResponse(translations: translations, inputTokens: tokens.0, outputTokens: tokens.1)
    }

    private func failure(_ errorClass: ErrorClass, _ message: String) -> BlockFailure {
        BlockFailure(errorClass, "engine '\(name)': command \(program): \(message)")
    }

    /// `; stderr: <its last lines>`, or nothing when the program wrote nothing there.
    private static func stderrSummary(_ tail: [UInt8]) -> String {
        let lines = FailureText.lastLines(String(decoding: tail, as: UTF8.self), stderrLinesShown)
        return lines.isEmpty ? "" : "; stderr:\n" + lines
    }
}
