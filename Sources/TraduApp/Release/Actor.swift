import Foundation

/// Who is acting, for revisions, approvals, rejections and promotions.
///
/// `TRADU_ACTOR` when set, otherwise `user@host`. A CI job sets it from what its platform vouches for
/// (`github:${{ github.actor }}`, `gitlab:$GITLAB_USER_LOGIN`), so the promoter and the approver in a gated job are
/// told apart. It is a claim, not authentication: who may write to an environment is decided by who holds its
/// database credentials; the approval gate makes intent explicit and auditable (see docs/RELEASES.md).
public enum Actor {
    public static var current: String {
        if let actor = ProcessEnvironment.snapshot["TRADU_ACTOR"]?.trimmingCharacters(in: .whitespaces),
            !actor.isEmpty
        {
            return actor
        }
        let user =
            ProcessEnvironment.snapshot["USER"] ?? ProcessEnvironment.snapshot["LOGNAME"]
            ?? getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "uid \(geteuid())"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}
