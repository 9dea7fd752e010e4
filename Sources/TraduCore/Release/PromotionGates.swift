/// A decision someone recorded about a freight (an approval, a rejection): who, when (RFC 3339), and why.
public struct SignedNote: Sendable, Hashable {
    public var by: String
    public var at: String
    public var message: String

    public init(by: String, at: String, message: String) {
        self.by = by
        self.at = at
        self.message = message
    }
}

/// What the source environment shows for the revision being promoted, measured by the application layer and
/// judged here without I/O.
public struct PromotionEvidence: Sendable, Hashable {
    /// An approval recorded in the target for this freight.
    public typealias Approval = SignedNote

    /// Where the freight's git commit stands against `allowedBranches`.
    public enum BranchCheck: Sendable, Hashable {
        /// The freight records no git commit.
        case noCommit
        /// The commit is reachable from this allowed branch.
        case onBranch(String)
        /// The commit is on none of the allowed branches (or they are unknown to the local repository).
        case notOnAllowedBranches
    }

    public var sourceEnvironment: String
    /// Blocks of the source's desired set (every block not cancelled).
    public var totalBlocks: Int
    public var completedBlocks: Int
    public var failedBlocks: Int
    /// Blocks not final yet.
    public var activeBlocks: Int
    /// Error class → blocks that met at least one error of that class, whatever their final state.
    public var blocksWithErrors: [String: Int]
    /// Seconds since the source's last block became final, or since the revision was applied when that came
    /// later; nil while blocks are still active.
    public var settledSeconds: Double?
    /// Approvals recorded in the target for this freight.
    public var approvals: [Approval]
    /// Who is promoting.
    public var promoter: String
    public var branch: BranchCheck
    /// Pipelines of the source with a canary rollout in progress or rolled back for this revision.
    public var unsettledRollouts: [String]
    /// The environment promoted into and the freight, for the hints in gate details.
    public var targetEnvironment: String
    public var freightID: String

    public init(
        sourceEnvironment: String, totalBlocks: Int, completedBlocks: Int, failedBlocks: Int, activeBlocks: Int,
        blocksWithErrors: [String: Int] = [:], settledSeconds: Double?, approvals: [Approval] = [], promoter: String,
        branch: BranchCheck = .noCommit, unsettledRollouts: [String] = [], targetEnvironment: String = "TARGET",
        freightID: String = "ID"
    ) {
        self.targetEnvironment = targetEnvironment
        self.freightID = freightID
        self.sourceEnvironment = sourceEnvironment
        self.totalBlocks = totalBlocks
        self.completedBlocks = completedBlocks
        self.failedBlocks = failedBlocks
        self.activeBlocks = activeBlocks
        self.blocksWithErrors = blocksWithErrors
        self.settledSeconds = settledSeconds
        self.approvals = approvals
        self.promoter = promoter
        self.branch = branch
        self.unsettledRollouts = unsettledRollouts
    }
}

/// One gate's verdict, with what was measured against what was required.
public struct GateResult: Sendable, Hashable {
    public var gate: String
    public var passed: Bool
    public var measured: String
    public var limit: String
    /// Why it failed (or a note when it passed), in words an operator can act on.
    public var detail: String

    public init(gate: String, passed: Bool, measured: String, limit: String, detail: String = "") {
        self.gate = gate
        self.passed = passed
        self.measured = measured
        self.limit = limit
        self.detail = detail
    }

    public var json: JSONValue {
        .object([
            ("gate", .string(gate)), ("passed", .bool(passed)), ("measured", .string(measured)),
            ("limit", .string(limit)), ("detail", .string(detail)),
        ])
    }
}

/// The target environment's promotion gates, evaluated against the source's evidence. Every configured gate is
/// evaluated and reported, passing or not, so one run shows everything that stands in the way.
public enum PromotionGates {
    public static func evaluate(_ policy: EnvironmentConfig.Promotion, _ evidence: PromotionEvidence) -> [GateResult] {
        var results: [GateResult] = []
        let total = evidence.totalBlocks
        let ratio = total == 0 ? 1 : Double(evidence.completedBlocks) / Double(total)
        results.append(
            GateResult(
                gate: "minCompletedRatio", passed: total > 0 && ratio >= policy.minCompletedRatio,
                measured: "\(percent(ratio)) (\(evidence.completedBlocks) of \(total))",
                limit: "≥ \(percent(policy.minCompletedRatio))",
                detail: total == 0 ? "\(evidence.sourceEnvironment) holds no blocks for this revision" : ""))
        results.append(
            GateResult(
                gate: "maxFailedBlocks", passed: evidence.failedBlocks <= policy.maxFailedBlocks,
                measured: "\(evidence.failedBlocks)", limit: "≤ \(policy.maxFailedBlocks)"))
        for errorClass in policy.maxErrorRatio.keys.sorted() {
            let limit = policy.maxErrorRatio[errorClass]!
            let count = evidence.blocksWithErrors[errorClass] ?? 0
            let measured = total == 0 ? 0 : Double(count) / Double(total)
            results.append(
                GateResult(
                    gate: "maxErrorRatio.\(errorClass)", passed: measured <= limit,
                    measured: "\(percent(measured)) (\(count) blocks)", limit: "≤ \(percent(limit))"))
        }
        if let soak = policy.minSoak {
            let required = Double(soak.milliseconds) / 1000
            if let settled = evidence.settledSeconds {
                let left = required - settled
                results.append(
                    GateResult(
                        gate: "minSoak", passed: left <= 0, measured: "\(clock(settled, .down)) since settled",
                        limit: "≥ \(soak)", detail: left > 0 ? "\(clock(left, .up)) left" : ""))
            } else {
                results.append(
                    GateResult(
                        gate: "minSoak", passed: false, measured: "not settled", limit: "≥ \(soak)",
                        detail: "\(evidence.activeBlocks) blocks of \(evidence.sourceEnvironment) are not final yet"))
            }
        }
        if policy.requireApproval {
            let others = evidence.approvals.filter { policy.allowSelfApproval || $0.by != evidence.promoter }
            let detail: String
            if let approval = others.first {
                detail = "approved by \(approval.by) at \(approval.at): \(approval.message)"
            } else if let own = evidence.approvals.first {
                detail =
                    "approved only by \(own.by), who is promoting: another identity must approve"
                    + " (or set promotion.allowSelfApproval)"
            } else {
                detail =
                    "no approval recorded: run `tradu approve --env \(evidence.targetEnvironment)"
                    + " --freight \(evidence.freightID) -m MSG`"
            }
            results.append(
                GateResult(
                    gate: "requireApproval", passed: !others.isEmpty,
                    measured: others.isEmpty ? "not approved" : "approved by \(others[0].by)",
                    limit: policy.allowSelfApproval ? "an approval" : "an approval by someone other than the promoter",
                    detail: detail))
        }
        if !policy.allowedBranches.isEmpty {
            let limit = policy.allowedBranches.joined(separator: ", ")
            switch evidence.branch {
            case .onBranch(let branch):
                results.append(
                    GateResult(gate: "allowedBranches", passed: true, measured: "on \(branch)", limit: limit))
            case .noCommit:
                results.append(
                    GateResult(
                        gate: "allowedBranches", passed: false, measured: "no git commit", limit: limit,
                        detail: "the freight was applied from a folder outside git"))
            case .notOnAllowedBranches:
                results.append(
                    GateResult(
                        gate: "allowedBranches", passed: false, measured: "on none", limit: limit,
                        detail: "the freight's commit is not reachable from an allowed branch"))
            }
        }
        results.append(
            GateResult(
                gate: "noUnsettledRollout", passed: evidence.unsettledRollouts.isEmpty,
                measured: evidence.unsettledRollouts.isEmpty
                    ? "none" : evidence.unsettledRollouts.joined(separator: ", "),
                limit: "no rollout in progress or rolled back"))
        return results
    }

    /// `99.5%`: one decimal, trailing `.0` dropped.
    static func percent(_ ratio: Double) -> String {
        let tenths = (ratio * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }

    /// `1h02m03s`, `4m05s`, `12s`: elapsed times round down, times left round up.
    static func clock(_ seconds: Double, _ rounding: FloatingPointRoundingRule) -> String {
        let total = Int(seconds.rounded(rounding))
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if h > 0 { return "\(h)h\(two(m))m\(two(s))s" }
        if m > 0 { return "\(m)m\(two(s))s" }
        return "\(s)s"
    }
}
