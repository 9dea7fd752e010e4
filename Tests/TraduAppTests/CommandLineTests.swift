import Foundation
import Testing
import TraduApp
import TraduStore
import TraduTestSupport

/// The `tradu` executable itself, run as a separate process: exit codes and messages are part of the contract.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `tradu` binary built beside the test bundle.
    static var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("tradu").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return bundle.appendingPathComponent("tradu").path
    }

    static func run(
        _ arguments: [String], in directory: String, database: String, environment: [String: String] = [:]
    ) async throws -> Run {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the tradu product first: swift build")
        return try await execute(
            binary, arguments + ["--database-url", database, "--log-level", "error"], in: directory,
            environment: ProcessInfo.processInfo.environment.merging(environment) { _, new in new })
    }

    /// Runs `executable` to its end in `directory` with exactly `environment`, output captured, on a thread of its
    /// own (`onOwnThread`).
    static func execute(
        _ executable: String, _ arguments: [String], in directory: String, environment: [String: String]
    ) async throws -> Run {
        try await onOwnThread { try executeBlocking(executable, arguments, in: directory, environment: environment) }
    }

    private static func executeBlocking(
        _ executable: String, _ arguments: [String], in directory: String, environment: [String: String]
    ) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func planApplyPlanFollowTheExitCodeContract() async throws {
        let project = try await TestProject.make()
        let db = project.databaseURL
        let expected = try await project.plan().blockPlan.toAdd
        let first = try await Self.run(["plan", "-e", "dev", "--detailed-exitcode"], in: project.root, database: db)
        #expect(first.status == 2, "\(first.stderr)")
        #expect(first.stdout.contains("Plan: \(expected) to add, 0 to reprocess, 0 to cancel."))
        let apply = try await Self.run(["apply", "-e", "dev", "--auto-approve"], in: project.root, database: db)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete: revision 1 (serial 1)"))
        let second = try await Self.run(["plan", "-e", "dev", "--detailed-exitcode"], in: project.root, database: db)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("No changes."))
        let again = try await Self.run(["apply", "-e", "dev", "--auto-approve"], in: project.root, database: db)
        #expect(again.status == 0)
        let history = try await Self.run(["history", "-e", "dev", "-o", "json"], in: project.root, database: db)
        #expect(history.stdout.contains("\"number\": 1") && !history.stdout.contains("\"number\": 2"))
    }

    @Test func aStaleSavedPlanExitsThree() async throws {
        let project = try await TestProject.make()
        let db = project.databaseURL
        let saved = try await Self.run(["plan", "-e", "dev", "--out", "plan.json"], in: project.root, database: db)
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(
            try await Self.run(["apply", "-e", "dev", "--auto-approve"], in: project.root, database: db).status == 0)
        let stale = try await Self.run(["apply", "plan.json"], in: project.root, database: db)
        #expect(stale.status == 3)
        #expect(stale.stderr.contains("saved plan is stale: dev serial 1, plan was made at 0"))
    }

    @Test func aSavedPlanAppliesOnce() async throws {
        let project = try await TestProject.make()
        let db = project.databaseURL
        #expect(
            try await Self.run(["plan", "-e", "dev", "--out", "plan.json"], in: project.root, database: db).status == 0)
        let first = try await Self.run(["apply", "plan.json"], in: project.root, database: db)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await Self.run(["apply", "plan.json"], in: project.root, database: db)
        #expect(second.status == 3)
    }

    @Test func aLockHeldByAnotherProcessExitsThreeNamingTheHolder() async throws {
        let project = try await TestProject.make()
        let db = project.databaseURL
        let store = try await project.store()
        let handle = try await store.lock.acquire(
            holder: "apply by bob@ci-3", host: "ci-3", pid: 777, ttl: .seconds(60), waitUpTo: .zero)
        let run = try await Self.run(
            ["apply", "-e", "dev", "--auto-approve", "--lock-timeout", "500ms"], in: project.root, database: db)
        #expect(run.status == 3)
        #expect(run.stderr.contains("apply by bob@ci-3"))
        try await store.lock.release(handle)
        await store.close()
    }

    @Test func invalidManifestsExitOneWithPositions() async throws {
        let project = try await TestProject.make()
        try "apiVersion: tradu/v1\nkind: Engine\nmetadata: {name: x}\nspec: {type: pseudo, modle: a}\n".write(
            toFile: project.manifests + "/bad.yaml", atomically: true, encoding: .utf8)
        let run = try await Self.run(["plan", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 1)
        #expect(
            run.stderr.contains("manifests/bad.yaml:4:22: error: unknown key 'modle' in spec; did you mean 'model'?"))
    }

    @Test func applyWithoutATerminalNeedsAutoApprove() async throws {
        let project = try await TestProject.make()
        let run = try await Self.run(["apply", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 3)
        #expect(run.stderr.contains("--auto-approve"))
        let store = try await project.store()
        #expect(try await store.environmentState().serial == 0)
        await store.close()
    }
}
