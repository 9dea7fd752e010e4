import Foundation
import Testing
import TraduCore

/// schemathesis (from PyPI; `.ci/run` installs it) against a live `tradu serve` and `api/openapi.yaml`: every
/// check, every phase. It must find no server error and no response that breaks the document.
@Suite struct APIContractTests {
    /// schemathesis's command: `$TRADU_SCHEMATHESIS`, else `st` on the PATH.
    static var schemathesis: String? {
        if let path = ProcessInfo.processInfo.environment["TRADU_SCHEMATHESIS"], !path.isEmpty { return path }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(directory)/st"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    @Test func schemathesisFindsNoServerErrorAndNoResponseBreakingTheDocument() async throws {
        let st = try #require(
            Self.schemathesis, "schemathesis is not installed: python3 -m pip install schemathesis (.ci/run does)")
        let project = try await TestProject.runtime(documents: 6, maxRecords: 1)
        let run = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr)")
        let digest = try await CommandLineTests.execute(
            "/bin/sh", ["-c", "printf %s contract-token | sha256sum | cut -d' ' -f1"], in: project.root,
            environment: [:]
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let tokens = project.root + "/tokens.yaml"
        try "tokens:\n  - {name: ci, role: operate, sha256: \(digest)}\n".write(
            toFile: tokens, atomically: true, encoding: .utf8)
        let server = try TraduProcess(
            ["serve", "-e", "dev", "--tokens", tokens, "--addr", "127.0.0.1:0", "--base-path", "/tradu"], in: project)
        defer { server.kill9() }
        var base: String?
        try await eventually("the server to listen") {
            base = server.log.split(separator: "\n").first { $0.hasPrefix("Serving the API") }
                .flatMap { $0.split(separator: " ").last }.map(String.init)
            return base != nil
        }
        // The document as served, with `env` held to the environment this server has (random names only meet
        // 404s, and the document cannot know which environments a server serves).
        let committed = try String(contentsOfFile: RepositoryPaths.root + "/api/openapi.yaml", encoding: .utf8)
        let document =
            committed
            .replacingOccurrences(
                of: ##"env: {name: env, in: path, required: true, schema: {$ref: "#/components/schemas/Text"}}"##,
                with: "env: {name: env, in: path, required: true, schema: {type: string, enum: [dev]}}"
            )
            .replacingOccurrences(
                of: ##"{name: env, in: query, required: true, schema: {$ref: "#/components/schemas/Text"}}"##,
                with: "{name: env, in: query, required: true, schema: {type: string, enum: [dev]}}")
        #expect(document != committed, "the environment parameter was pinned to dev")
        let spec = project.root + "/openapi.yaml"
        try document.write(toFile: spec, atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.execute(
            st,
            [
                "run", spec, "--url", try #require(base), "--checks", "all", "--max-examples", "25",
                "-H", "Authorization: Bearer contract-token", "--seed", "1",
                // The event stream never ends by itself; APIEventStreamTests follows it with real clients.
                "--exclude-path", "/api/v1/events",
            ], in: project.root,
            environment: ProcessInfo.processInfo.environment.merging(["NO_COLOR": "1"]) { _, new in new })
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("passed"), "\(result.stdout)")
        #expect(!result.stdout.contains("Server error"), "\(result.stdout)")
    }
}
