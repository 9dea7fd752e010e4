import Foundation
import Testing
import TraduCore
import TraduEngines
import TraduHTTP

@Suite struct CommandEngineTests {
    let directory: URL
    let client = HTTPClient()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-command-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Writes an executable `#!/bin/sh` script and returns its path.
    private func script(_ name: String, _ body: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    private func engine(_ command: [String], timeout: DurationValue = .seconds(10), prompt: String? = nil) throws
        -> any TranslationEngine
    {
        try EngineFactory.make(
            EngineFixtures.engine(.command, name: "local", prompt: prompt, command: command, timeout: timeout),
            environment: ProcessInfo.processInfo.environment, httpClient: client)
    }

    private func failure(_ engine: any TranslationEngine, _ request: TranslationRequest) async -> BlockFailure? {
        do {
            _ = try await engine.translate(request)
            return nil
        } catch {
            return error
        }
    }

    private let request = EngineFixtures.request([("a", "Hello"), ("b", "<b>bye</b> {name}")])

    /// Prefixes each text with the target language; every input field is on one sorted-key line.
    private var prefixer: String { #"exec sed 's/"targetLanguage":"\([a-z]*\)","text":"/&\1:/'"# }

    @Test func translatesEverySegmentThroughTheProgram() async throws {
        let path = try script("prefix.sh", prefixer)
        let response = try await engine([path]).translate(request)
        #expect(response.translations == ["a": "fr:Hello", "b": "fr:<b>bye</b> {name}"])
    }

    @Test func programsAreFoundInPathAndGetTheirArguments() async throws {
        let echo = try await engine(["sed", "s/Hello/Bonjour/"]).translate(EngineFixtures.request([("a", "Hello")]))
        #expect(echo.translations == ["a": "Bonjour"])
    }

    @Test func inputLinesCarryLanguagesAndThePrompt() async throws {
        let capture = directory.appendingPathComponent("input.jsonl").path
        let path = try script("capture.sh", "tee '\(capture)'")
        _ = try await engine([path], prompt: "to {{targetLanguage}}").translate(
            EngineFixtures.request([("a", "x/y")], from: "en", to: "it"))
        let line = try String(contentsOfFile: capture, encoding: .utf8)
        #expect(line == #"{"id":"a","prompt":"to it","sourceLanguage":"en","targetLanguage":"it","text":"x/y"}"# + "\n")
    }

    @Test func largeBatchesDoNotDeadlockThePipes() async throws {
        let path = try script("prefix.sh", prefixer)
        let text = String(repeating: "lorem ipsum ", count: 100)
        let segments = (0..<2000).map { ("s\($0)", text) }
        let response = try await engine([path]).translate(EngineFixtures.request(segments))
        #expect(response.translations.count == 2000)
        #expect(response.translations["s1999"] == "fr:" + text)
    }

    @Test func nonZeroExitIsADependencyFailureWithStderr() async throws {
        let path = try script("fail.sh", "cat > /dev/null\necho 'loading model' >&2\necho 'model exploded' >&2\nexit 3")
        let failure = try #require(await failure(try engine([path]), request))
        #expect(failure.errorClass == .dependency)
        #expect(failure.message.contains("exited with status 3"))
        #expect(failure.message.hasSuffix("loading model\nmodel exploded"))
    }

    @Test func stderrIsCapped() async throws {
        let path = try script("noisy.sh", "cat > /dev/null\nyes 'noise noise noise' | head -c 200000 >&2\nexit 1")
        let failure = try #require(await failure(try engine([path]), request))
        #expect(failure.errorClass == .dependency)
        #expect(failure.message.utf8.count < 4096)
    }

    @Test func slowProgramIsKilledAtTheTimeout() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-sleeper-\(UUID()).pid").path
        let path = try script("sleeper.sh", "echo $$ > \(pidFile)\nexec sleep 30")
        let failure = try #require(
            await failure(try engine([path], timeout: DurationValue(milliseconds: 300)), request))
        #expect(failure.errorClass == .dependency)
        #expect(failure.message.contains("timed out after 300ms"))
        // The program itself is gone (killed and reaped), not left sleeping.
        let pid = try #require(
            Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
    }

    @Test func garbageOutputIsADataFailure() async throws {
        let path = try script("garbage.sh", "cat > /dev/null\necho 'this is not json'")
        let failure = try #require(await failure(try engine([path]), request))
        #expect(failure.errorClass == .data)
        #expect(failure.message.contains("stdout line 1"))
        #expect(failure.message.contains("this is not json"))
    }

    @Test func missingSegmentsAreADataFailure() async throws {
        let path = try script("partial.sh", "head -n 1")
        let failure = try #require(await failure(try engine([path]), request))
        #expect(failure.errorClass == .data)
        #expect(failure.message.contains("is missing segment id 'b'"))
    }

    @Test func unknownProgramIsALogicFailure() async throws {
        let missing = try #require(await failure(try engine(["tradu-no-such-translator"]), request))
        #expect(missing.errorClass == .logic)
        #expect(missing.message.contains("not found"))
        let notExecutable = directory.appendingPathComponent("plain.txt").path
        try "x".write(toFile: notExecutable, atomically: true, encoding: .utf8)
        let refused = try #require(await failure(try engine([notExecutable]), request))
        #expect(refused.errorClass == .logic)
    }

    @Test func programThatIgnoresItsInputStillFinishes() async throws {
        // Exits without reading: writing stdin fails with EPIPE, which must not kill the test process.
        let path = try script("ignore.sh", #"echo '{"id":"a","text":"A"}'; echo '{"id":"b","text":"B"}'"#)
        let big = String(repeating: "x", count: 1 << 20)
        let response = try await engine([path]).translate(EngineFixtures.request([("a", big), ("b", big)]))
        #expect(response.translations == ["a": "A", "b": "B"])
    }
}
