import Foundation
import Testing
import TraduApp
import TraduTestSupport

@testable import TraduStore

/// Real `tradu` processes (workers, controllers) against a test project and the test PostgreSQL.
final class TraduProcess: @unchecked Sendable {
    let process = Process()
    let output: String

    /// - Parameter databaseURL: the URL the process uses (the project's when nil).
    /// - Parameter executable: the `tradu` binary (this build's when nil; the previous release's for N-1 tests).
    init(
        _ arguments: [String], in project: TestProject, environment: [String: String] = [:],
        databaseURL: String? = nil, executable: String? = nil
    ) throws {
        output = project.root + "/process-\(UUID().uuidString.prefix(8)).log"
        FileManager.default.createFile(atPath: output, contents: nil)
        let handle = FileHandle(forWritingAtPath: output)!
        process.executableURL = URL(fileURLWithPath: executable ?? CommandLineTests.binary)
        process.arguments =
            arguments + [
                "--database-url", databaseURL ?? project.databaseURL, "--log-format", "json", "--log-level", "info",
            ]
        process.currentDirectoryURL = URL(fileURLWithPath: project.root)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    func kill9() {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() { kill(pid, SIGTERM) }

    /// Waits for the process to exit (up to `limit`), killing it if it does not; returns its status.
    @discardableResult
    func wait(upTo limit: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill9()
            return nil
        }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

    /// `http://HOST:PORT` of the process's /metrics, /healthz and /readyz, read from its log: tests pass
    /// `--metrics-addr 127.0.0.1:0`, so the port is the kernel's choice and never collides with another test.
    func opsBaseURL() async throws -> String {
        var address: String?
        try await eventually("the process serves /metrics") {
            guard let line = log.split(separator: "\n").first(where: { $0.contains("serving /metrics") }),
                let start = line.range(of: #""address":""#)?.upperBound,
                let end = line[start...].firstIndex(of: "\"")
            else { return false }
            address = String(line[start..<end])
            return true
        }
        return "http://" + (address ?? "")
    }

    /// For failure messages: how often each log message occurred (in order of first occurrence), then the
    /// last lines. A tail alone can be all one repeated line and hide how the process got there.
    var logDigest: String {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for line in log.split(separator: "\n") {
            guard let start = line.range(of: #""msg":""#)?.upperBound,
                let end = line[start...].firstIndex(of: "\"")
            else { continue }
            let message = String(line[start..<end])
            if counts[message] == nil { order.append(message) }
            counts[message, default: 0] += 1
        }
        let summary = order.map { "\(counts[$0]!) × \($0)" }.joined(separator: "\n")
        return summary + "\n--- last lines ---\n" + log.suffix(2000)
    }

    deinit { if process.isRunning { kill(pid, SIGKILL) } }
}

/// Polls until `condition` holds, up to `limit` (a wait, not a speed assertion: the limit only stops a
/// broken test from hanging).
func eventually(
    _ what: String, upTo limit: Duration = .seconds(60), explain: (() -> String)? = nil,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    // Once more at the deadline: a test task starved past it (a loaded machine) still gets its last look.
    if try await condition() { return }
    Issue.record("timed out waiting for: \(what)\(explain.map { "\n" + $0() } ?? "")")
    throw CancellationError()
}

extension TestProject {
    /// The interpreter test engines run with: Debian's own when there is one, so a version manager's shim (a shell
    /// script per call) does not add a process to every engine call on a 2-core machine.
    static var python: String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    /// The stand-in model of `examples/rollout`, whose prompt picks its behaviour (DROP loses placeholders, PAD
    /// pads answers): the rollout and cost tests use it as their engine.
    static var promptDrivenTranslator: String { RepositoryPaths.root + "/examples/rollout/translator.py" }

    /// A project of `documents` short articles (`data/articles.jsonl`, ids `a-N`, each with a `{product}`
    /// placeholder) on a fresh database, with no manifests yet.
    static func articles(_ documents: Int) async throws -> TestProject {
        let project = TestProject(
            root: TestPostgres.makeTemporaryDirectory(), databaseURL: try await TestPostgres.shared.freshDatabase())
        try FileManager.default.createDirectory(
            atPath: project.root + "/manifests/data", withIntermediateDirectories: true)
        var text = ""
        for index in 0..<documents {
            text += "{\"id\":\"a-\(index)\",\"text\":\"Article \(index) explains the {product} settings page.\"}\n"
        }
        try text.write(toFile: project.root + "/manifests/data/articles.jsonl", atomically: true, encoding: .utf8)
        return project
    }

    static var slowTranslator: String {
        RepositoryPaths.root + "/Tests/TraduAppTests/Fixtures/engines/slow_translator.py"
    }

    /// A project whose engine is a local program (`slow_translator.py`) and whose leases are short, so
    /// crashes are detected within seconds.
    static func runtime(
        documents: Int = 20, maxRecords: Int = 5, sleep: Double = 0, engine: String? = nil, maxAttempts: Int = 3,
        retryOn: String = "[capacity, dependency, infrastructure]", extraArguments: [String] = [],
        sinks: String? = nil, pipelineConcurrency: Int? = nil, database: String? = nil,
        initialBackoff: String = "100ms", maxBackoff: String = "1s", blockTimeout: String = "60s", more: String = ""
    ) async throws -> TestProject {
        let project = try await TestProject.make(documents: documents, database: database)
        let arguments = ([python, slowTranslator, "--sleep", "\(sleep)"] + extraArguments)
            .map { "\"\($0)\"" }.joined(separator: ", ")
        let engineSpec = engine ?? "{type: command, command: [\(arguments)], timeout: 30s}"
        let text = """
            apiVersion: tradu/v1
            kind: Environment
            metadata: {name: dev}
            spec: {}
            ---
            apiVersion: tradu/v1
            kind: Dataset
            metadata: {name: docs}
            spec:
              source: {path: data/docs.jsonl}
              format: jsonl
              sourceLanguage: en
              blocks: {maxRecords: \(maxRecords)}
            ---
            apiVersion: tradu/v1
            kind: Engine
            metadata: {name: llm}
            spec: \(engineSpec)
            ---
            apiVersion: tradu/v1
            kind: RetryPolicy
            metadata: {name: quick}
            spec:
              maxAttempts: \(maxAttempts)
              backoff: {initial: \(initialBackoff), multiplier: 2, max: \(maxBackoff), jitter: 0}
              retryOn: \(retryOn)
            ---
            apiVersion: tradu/v1
            kind: Pipeline
            metadata: {name: translate}
            spec:
              dataset: docs
              engine: llm
              targetLanguages: [fr]
              retryPolicy: quick
              lease: {duration: 5s, heartbeat: 1s}
              blockTimeout: \(blockTimeout)
            \(sinks.map { "  sinks: \($0)" } ?? "")
            \(pipelineConcurrency.map { "  concurrency: \($0)" } ?? "")

            """
        try (text + more).write(toFile: "\(project.manifests)/project.yaml", atomically: true, encoding: .utf8)
        return project
    }

    func counts() async throws -> [String: Int] {
        let store = try await store()
        let counts = try await store.counts()["translate"] ?? [:]
        await store.close()
        return Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
    }

    @discardableResult
    func query(_ sql: String) async throws -> [[String: String?]] {
        let store = try await store()
        let rows = try await store.connection.query(sql)
        await store.close()
        return rows.map { row in Dictionary(uniqueKeysWithValues: rows.columns.map { ($0, row[$0]) }) }
    }
}
