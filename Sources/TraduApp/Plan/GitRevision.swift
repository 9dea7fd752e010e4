import Foundation

/// The git commit of the manifest folder, when it is in a git repository (recorded in revisions).
enum GitRevision {
    static func commit(of directory: String) -> String? {
        git(["rev-parse", "HEAD"], in: directory)
    }

    /// The branch the folder's checkout is on. CI checkouts are often detached, so the CI's own variables come
    /// first: `TRADU_GIT_BRANCH`, GitHub's `GITHUB_REF_NAME` (on a push), GitLab's `CI_COMMIT_BRANCH`.
    static func branch(of directory: String) -> String? {
        let environment = ProcessEnvironment.snapshot
        for name in ["TRADU_GIT_BRANCH", "GITHUB_REF_NAME", "CI_COMMIT_BRANCH"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        guard let branch = git(["rev-parse", "--abbrev-ref", "HEAD"], in: directory), branch != "HEAD" else {
            return nil
        }
        return branch
    }

    /// Whether `commit` is reachable from `branch` (a local branch, or `origin/<branch>`).
    static func isAncestor(_ commit: String, of branch: String, in directory: String) -> Bool {
        for reference in [branch, "origin/\(branch)"]
        where run(["merge-base", "--is-ancestor", commit, reference], in: directory) == 0 {
            return true
        }
        return false
    }

    /// Local and remote-tracking branch names, remotes without their `origin/` prefix.
    static func branches(in directory: String) -> [String] {
        guard
            let text = git(["for-each-ref", "--format=%(refname:short)", "refs/heads", "refs/remotes"], in: directory)
        else { return [] }
        return Array(
            Set(
                text.split(separator: "\n").map { name in
                    name.hasPrefix("origin/") ? String(name.dropFirst("origin/".count)) : String(name)
                }.filter { $0 != "HEAD" && $0 != "origin" })
        ).sorted()
    }

    private static func run(_ arguments: [String], in directory: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let commit = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return commit.isEmpty ? nil : commit
    }
}
