import Foundation
import Testing
import TraduApp
import TraduTestSupport

/// The CI recipe users copy (`examples/ci/`), run end to end as CI would: a git repository with pull requests
/// as branches, the embedded PostgreSQL (staging and prod as two schemas), the real `tradu` binary. Each script's
/// exit code and the comment's content are what reviewers and CI rely on.
@Suite(.serialized) struct CIRecipeTests {
    struct Repository {
        let root: String
        let home: String

        static func make() async throws -> Repository {
            let root = TestPostgres.makeTemporaryDirectory()
            let repository = Repository(root: root, home: root + "/.tradu-home")
            try FileManager.default.createDirectory(
                atPath: root + "/manifests/data", withIntermediateDirectories: true)
            try await repository.git(["init", "-q", "-b", "main"])
            try repository.writeManifests(prompt: "Translate.")
            try repository.writeDocuments(count: 12)
            try "plans/\n.tradu-home/\n".write(toFile: root + "/.gitignore", atomically: true, encoding: .utf8)
            try await repository.commit("initial manifests")
            return repository
        }

        func writeManifests(prompt: String) throws {
            let text = """
                apiVersion: tradu/v1
                kind: Environment
                metadata: {name: staging}
                spec: {}
                ---
                apiVersion: tradu/v1
                kind: Environment
                metadata: {name: prod}
                spec:
                  promotion: {from: staging, requireApproval: true, allowedBranches: [main]}
                ---
                apiVersion: tradu/v1
                kind: Dataset
                metadata: {name: articles}
                spec:
                  source: {path: data/articles.jsonl}
                  format: jsonl
                  sourceLanguage: en
                  blocks: {maxRecords: 4}
                ---
                apiVersion: tradu/v1
                kind: Engine
                metadata: {name: local}
                spec: {type: command, command: ["\(TestProject.python)", "\(TestProject.slowTranslator)"], prompt: "\(prompt)"}
                ---
                apiVersion: tradu/v1
                kind: Pipeline
                metadata: {name: help}
                spec: {dataset: articles, engine: local, targetLanguages: [fr]}

                """
            try text.write(toFile: root + "/manifests/project.yaml", atomically: true, encoding: .utf8)
        }

        func writeDocuments(count: Int) throws {
            let text = (0..<count).map { "{\"id\":\"a-\($0)\",\"text\":\"Article \($0) about {product}.\"}\n" }
                .joined()
            try text.write(toFile: root + "/manifests/data/articles.jsonl", atomically: true, encoding: .utf8)
        }

        @discardableResult
        func git(_ arguments: [String]) async throws -> CommandLineTests.Run {
            let run = try await shell(
                "/usr/bin/env",
                ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.com"] + arguments)
            #expect(run.status == 0, "git \(arguments): \(run.stderr)")
            return run
        }

        func commit(_ message: String) async throws {
            try await git(["add", "-A"])
            try await git(["commit", "-q", "-m", message])
        }

        /// Runs `examples/ci/<script>` as CI would.
        func script(_ name: String, _ arguments: [String], actor: String = "ci") async throws -> CommandLineTests.Run {
            try await shell(
                "/bin/bash", [RepositoryPaths.root + "/examples/ci/" + name] + arguments,
                environment: ["TRADU_ACTOR": actor])
        }

        func tradu(_ arguments: [String], actor: String = "ci") async throws -> CommandLineTests.Run {
            try await shell(CommandLineTests.binary, arguments, environment: ["TRADU_ACTOR": actor])
        }

        func shell(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
            -> CommandLineTests.Run
        {
            var variables = ProcessInfo.processInfo.environment
            variables["TRADU"] = CommandLineTests.binary
            variables["TRADU_HOME"] = home
            variables["TRADU_LOG_LEVEL"] = "error"
            for name in ["TRADU_DATABASE_URL", "GITHUB_REF_NAME", "CI_COMMIT_BRANCH", "TRADU_GIT_BRANCH"] {
                variables.removeValue(forKey: name)
            }
            return try await CommandLineTests.execute(
                executable, arguments, in: root, environment: variables.merging(environment) { _, new in new })
        }

        func read(_ path: String) -> String {
            (try? String(contentsOfFile: root + "/" + path, encoding: .utf8)) ?? ""
        }
    }

    @Test func pullRequestsAreReviewedAppliedAndPromoted() async throws {
        let repo = try await Repository.make()
        do {
            try await Self.reviewApplyAndPromote(repo)
        } catch {
            _ = try? await repo.tradu(["db", "down"])
            throw error
        }
        _ = try? await repo.tradu(["db", "down"])
    }

    private static func reviewApplyAndPromote(_ repo: Repository) async throws {
        // Pull request 1 adds articles: validate, plan both environments, comment.
        try await repo.git(["checkout", "-q", "-b", "pr-1"])
        try repo.writeDocuments(count: 20)
        try await repo.commit("more articles")
        let plan1 = try await repo.script("plan.sh", ["plans/pr-1", "staging", "prod"])
        #expect(plan1.status == 0, "\(plan1.stderr)")
        let comment1 = repo.read("plans/pr-1/comment.md")
        #expect(comment1.contains("### tradu plan · `staging`"))
        #expect(comment1.contains("**Plan: 7 to add, 0 to reprocess, 0 to cancel.**"), "\(comment1)")
        #expect(comment1.contains("| help | 7 | 0 | 0 | 0 | 0 |"))
        #expect(comment1.contains("~") && comment1.contains("input tokens"))
        #expect(comment1.contains("Plan digest `"))
        #expect(comment1.contains("### tradu plan · `prod`"))

        // Merged: the merge job applies the reviewed plan, and staging runs it.
        try await repo.git(["checkout", "-q", "main"])
        try await repo.git(["merge", "-q", "--ff-only", "pr-1"])
        let apply1 = try await repo.script("apply-reviewed-plan.sh", ["plans/pr-1/staging.plan.json"])
        #expect(apply1.status == 0, "\(apply1.stderr)")
        #expect(apply1.stdout.contains("Apply complete: revision 1"))
        #expect(try await repo.tradu(["run", "-e", "staging"]).status == 0)

        // Pull requests 2 and 3 are planned against the same staging; 2 merges first, so 3's plan is stale.
        try await repo.git(["checkout", "-q", "-b", "pr-2"])
        try repo.writeManifests(prompt: "Translate for a support audience.")
        try await repo.commit("new prompt")
        let plan2 = try await repo.script("plan.sh", ["plans/pr-2", "staging"])
        #expect(plan2.status == 0, "\(plan2.stderr)")
        let comment2 = repo.read("plans/pr-2/comment.md")
        #expect(comment2.contains("**Plan: 0 to add, 7 to reprocess, 0 to cancel.**"), "\(comment2)")
        #expect(comment2.contains("(engine.prompt)"))
        try await repo.git(["checkout", "-q", "main"])
        try await repo.git(["checkout", "-q", "-b", "pr-3"])
        try repo.writeDocuments(count: 24)
        try await repo.commit("even more articles")
        #expect(try await repo.script("plan.sh", ["plans/pr-3", "staging"]).status == 0)

        try await repo.git(["checkout", "-q", "main"])
        try await repo.git(["merge", "-q", "--ff-only", "pr-2"])
        #expect(try await repo.script("apply-reviewed-plan.sh", ["plans/pr-2/staging.plan.json"]).status == 0)
        try await repo.git(["merge", "-q", "--no-edit", "pr-3"])
        let stale = try await repo.script("apply-reviewed-plan.sh", ["plans/pr-3/staging.plan.json"])
        #expect(stale.status == 3, "a stale reviewed plan fails the job")
        #expect(stale.stderr.contains("saved plan is stale"))
        #expect(stale.stderr.contains("Re-run the pull request's plan job"))

        // The re-planned pull request 3 applies; staging runs it.
        let replan = try await repo.script("plan.sh", ["plans/pr-3b", "staging"])
        #expect(replan.status == 0)
        #expect(try await repo.script("apply-reviewed-plan.sh", ["plans/pr-3b/staging.plan.json"]).status == 0)
        #expect(try await repo.tradu(["run", "-e", "staging"]).status == 0)

        // Promotion: the CI identity cannot promote what it approved itself; an approver and the CI identity can.
        #expect(try await repo.script("approve.sh", ["prod", "staging looks right"], actor: "ci").status == 0)
        let selfApproved = try await repo.script("promote.sh", ["staging", "prod"], actor: "ci")
        #expect(selfApproved.status == 3)
        #expect(selfApproved.stderr.contains("approved only by ci, who is promoting"))
        #expect(try await repo.script("approve.sh", ["prod", "checked the French"], actor: "github:alice").status == 0)
        let promoted = try await repo.script("promote.sh", ["staging", "prod"], actor: "ci")
        #expect(promoted.status == 0, "\(promoted.stderr)")
        #expect(promoted.stdout.contains("gate allowedBranches"), "the freight's commit is on main")
        #expect(promoted.stdout.contains("Promotion complete: revision 1 of prod, promoted from staging rev 3"))
        let history = try await repo.tradu(["history", "-e", "prod"])
        #expect(history.stdout.contains("promoted from staging rev 3"))
    }
}

/// `tradu plan -o markdown` stays a postable comment whatever the plan's size.
@Suite struct PlanMarkdownTests {
    @Test func aLargePlanIsTruncatedUnderTheLimitAndSaysWhere() async throws {
        let project = try await TestProject.make(documents: 2_000)
        try project.writeManifests(maxRecords: 1)
        let prepared = try await project.plan()
        let markdown = PlanMarkdown(listLimit: 100_000, artifact: "plans/dev.plan.json").render(prepared)
        #expect(markdown.count <= 60_000)
        #expect(markdown.contains("**Plan: 4,000 to add, 0 to reprocess, 0 to cancel.**"))
        #expect(markdown.contains("the full plan is in the artifact `plans/dev.plan.json`"))
        #expect(markdown.contains("Plan digest `\(prepared.planDigest)`"), "the digest survives truncation")
        #expect(markdown.hasSuffix("`\n"))

        let small = PlanMarkdown(listLimit: 3).render(prepared)
        #expect(!small.contains("too large"), "a comment that fits is not truncated")
        #expect(small.contains("+ … and 3,997 more"))
        #expect(PlanMarkdown(listLimit: 3).render(prepared) == small, "the same plan renders the same comment")
    }
}
