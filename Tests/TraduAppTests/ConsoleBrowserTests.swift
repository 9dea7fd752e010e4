import Crypto
import Foundation
import Testing
import TraduCore

/// The console in a real browser: Debian's `chromium` driven by Playwright (PyPI; `.ci/run` installs both), against
/// live `tradu serve` processes while a controller and a worker run the work. The script
/// (`Fixtures/console/console_browser.py`) signs in, watches progress move, filters blocks, opens a failed block's
/// timeline, retries it with the keyboard as an operator (and finds no button as a reader), checks the audit, the
/// base path and a `--public-read` server, and keeps its screenshots in `.build/console-screenshots/`.
@Suite struct ConsoleBrowserTests {
    static let readToken = "console-read-token"
    static let operateToken = "console-operate-token"

    /// Python with Playwright: `$TRADU_PLAYWRIGHT_PYTHON`, else python3.
    static var python: String {
        if let path = ProcessInfo.processInfo.environment["TRADU_PLAYWRIGHT_PYTHON"], !path.isEmpty { return path }
        return TestProject.python
    }

    static var chromium: String {
        ProcessInfo.processInfo.environment["TRADU_CHROMIUM"] ?? "/usr/bin/chromium"
    }

    static var screenshots: String { RepositoryPaths.root + "/.build/console-screenshots" }

    @Test func theConsoleWorksInARealBrowser() async throws {
        let probe = try await CommandLineTests.execute(
            Self.python, ["-c", "import playwright.sync_api"], in: RepositoryPaths.root, environment: [:])
        try #require(
            probe.status == 0,
            "Playwright is not installed for \(Self.python): python3 -m pip install playwright (.ci/run does)")
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.chromium),
            "no chromium at \(Self.chromium): apt-get install chromium (.ci/run does)")

        // 60 one-document blocks, one at a time and slow enough to watch; documents 1 and 10-19 fail (a NUL in the
        // answer is a data error, not retried).
        let project = try await TestProject.runtime(
            documents: 60, maxRecords: 1, sleep: 0.8, maxAttempts: 1, extraArguments: ["--nul-for", "Document 1"])
        let applied = try await CommandLineTests.run(
            ["apply", "-e", "dev", "--auto-approve"], in: project.root, database: project.databaseURL)
        #expect(applied.status == 0, "\(applied.stderr)")
        let tokens = project.root + "/tokens.yaml"
        try """
        tokens:
          - {name: viewer, role: read, sha256: \(Self.sha256(Self.readToken))}
          - {name: ana, role: operate, sha256: \(Self.sha256(Self.operateToken))}
        """.write(toFile: tokens, atomically: true, encoding: .utf8)

        let server = try TraduProcess(
            ["serve", "-e", "dev", "--tokens", tokens, "--addr", "127.0.0.1:0", "--base-path", "/tradu"], in: project)
        defer { server.kill9() }
        let publicServer = try TraduProcess(
            ["serve", "-e", "dev", "--public-read", "--addr", "127.0.0.1:0"], in: project)
        defer { publicServer.kill9() }
        let base = try await Self.address(of: server)
        let publicBase = try await Self.address(of: publicServer)
        #expect(base.hasSuffix("/tradu"))

        let controller = try TraduProcess(["controller", "-e", "dev"], in: project)
        defer { controller.kill9() }
        let worker = try TraduProcess(["worker", "-e", "dev", "--concurrency", "1"], in: project)
        defer { worker.kill9() }

        try? FileManager.default.removeItem(atPath: Self.screenshots)
        let result = try await CommandLineTests.execute(
            Self.python, [RepositoryPaths.root + "/Tests/TraduAppTests/Fixtures/console/console_browser.py"],
            in: project.root,
            environment: ProcessInfo.processInfo.environment.merging([
                "BASE": base, "PUBLIC_BASE": publicBase, "READ_TOKEN": Self.readToken,
                "OPERATE_TOKEN": Self.operateToken, "SHOTS": Self.screenshots, "CHROMIUM": Self.chromium,
            ]) { _, new in new })
        #expect(
            result.status == 0,
            "browser test failed:\n\(result.stdout)\n\(result.stderr)\nserver log:\n\(server.log.suffix(3000))")
        #expect(result.stdout.contains("console browser test: passed"))

        // What the browser did is in the database: the retry, by the signed-in name, with the reason typed.
        let actions = try await project.query(
            "SELECT actor, reason, via FROM operator_actions WHERE action = 'retry'")
        #expect(
            actions.contains {
                $0["actor"] == "console:ana" && $0["reason"] == "engine fixed, browser test" && $0["via"] == "console"
            }, "\(actions)")
        for name in ["sign-in", "overview", "overview-dark", "blocks-failed", "block-timeline", "history"] {
            let path = "\(Self.screenshots)/\(name).png"
            let bytes = try #require(FileManager.default.contents(atPath: path), "no screenshot \(path)")
            #expect(bytes.count > 10_000 && bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(path) is not a PNG")
        }
    }

    static func address(of server: TraduProcess) async throws -> String {
        var base: String?
        try await eventually("the server to listen") {
            base = server.log.split(separator: "\n").first { $0.contains("Serving the API") }
                .flatMap { line in line.split(separator: " ").last(where: { $0.hasPrefix("http://") }) }
                .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"},")) }
            return base != nil
        }
        return try #require(base)
    }

    static func sha256(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
