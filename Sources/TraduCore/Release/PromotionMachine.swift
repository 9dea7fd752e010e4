/// The phases of one promotion, as recorded in the target's `promotions` table.
public enum PromotionPhase: String, Sendable, Hashable, CaseIterable {
    /// Requested; its checks are being evaluated.
    case pending = "Pending"
    /// Every check passed; the target's plan is being applied.
    case running = "Running"
    case succeeded = "Succeeded"
    /// The apply failed after the checks passed (nothing was written: the apply is one transaction).
    case failed = "Failed"
    /// A check failed, or the target's lock stayed held: nothing was applied.
    case refused = "Refused"

    public var isFinal: Bool { self == .succeeded || self == .failed || self == .refused }
}

/// Everything checked before a promotion may apply, gathered by the application layer.
public struct PromotionChecks: Sendable, Hashable {
    /// The freight's standing rejection.
    public typealias Rejection = SignedNote

    public var freightID: String
    public var rejection: Rejection?
    /// Datasets whose records on disk differ from the freight's fingerprints (or that it does not pin).
    public var staleDatasets: [String]
    public var parity: [ProcessingParity.Difference]
    /// The source gates; empty for a rollback, whose gates were met when it was first promoted.
    public var gates: [GateResult]
    /// The source's latest revision when the promoted one is older: its blocks now show that one, not this.
    public var sourceMovedOnTo: Int64?
    /// What the target's promotion policy itself refuses (no `promotion` block, another source), in words.
    public var policyProblems: [String]
    /// The freight's git commit, to say which data it ran when the data on disk differs.
    public var freightCommit: String?

    public init(
        freightID: String, rejection: Rejection? = nil, staleDatasets: [String] = [],
        parity: [ProcessingParity.Difference] = [], gates: [GateResult] = [], sourceMovedOnTo: Int64? = nil,
        policyProblems: [String] = []
    ) {
        self.policyProblems = policyProblems
        self.freightID = freightID
        self.rejection = rejection
        self.staleDatasets = staleDatasets
        self.parity = parity
        self.gates = gates
        self.sourceMovedOnTo = sourceMovedOnTo
    }

    /// Why the promotion may not apply, one sentence each; empty when it may.
    public var refusals: [String] {
        var reasons: [String] = policyProblems
        if let rejection {
            reasons.append(
                "freight \(freightID) was rejected by \(rejection.by) at \(rejection.at): \(rejection.message)")
        }
        if let latest = sourceMovedOnTo {
            reasons.append(
                "the source has moved on to revision \(latest): its blocks no longer show how this revision behaved;"
                    + " promote revision \(latest), or roll back to an earlier freight with --rollback")
        }
        if !staleDatasets.isEmpty {
            let commit = freightCommit.map {
                "; the freight ran the data of commit \($0.prefix(12)): check that commit out to promote it with its data,"
                    + " or apply the change to the source first"
            }
            reasons.append(
                "the data on disk differs from what the freight ran: "
                    + staleDatasets.map { "dataset '\($0)'" }.joined(separator: ", ") + " changed since"
                    + (commit ?? "; apply the change to the source first"))
        }
        for difference in parity where !difference.allowed {
            if difference.field == "pipeline" {
                reasons.append(
                    "pipeline '\(difference.pipeline)' does not run in the source, so it was never validated")
            } else {
                reasons.append(
                    "pipeline '\(difference.pipeline)': \(difference.field) differs (source \(Self.show(difference.source)),"
                        + " target \(Self.show(difference.target))); allow it with promotion.allowDifferences:"
                        + " [\(difference.field)]")
            }
        }
        for gate in gates where !gate.passed {
            reasons.append(
                "gate \(gate.gate) failed: \(gate.measured), required \(gate.limit)"
                    + (gate.detail.isEmpty ? "" : " (\(gate.detail))"))
        }
        return reasons
    }

    static func show(_ value: JSONValue?) -> String {
        guard let value else { return "absent" }
        if case .string(let text) = value { return "'\(text)'" }
        return value.encoded(sortedKeys: true)
    }
}

/// One promotion's lifecycle as a value-type state machine: the driver reports what happened, the machine says
/// what to do next and which phase to record. Illegal orders (applying a refused promotion, finishing twice)
/// are refused as programming errors, so a driver bug cannot record a success that did not happen.
public struct PromotionMachine: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Record `Refused` with these reasons; write nothing else.
        case refuse([String])
        /// Show the plan and, unless it is a dry run, apply it.
        case apply
    }

    public enum MachineError: Error, Hashable {
        case illegal(from: PromotionPhase, event: String)
    }

    public private(set) var phase: PromotionPhase = .pending
    public private(set) var reasons: [String] = []

    public init() {}

    /// The checks were evaluated: Pending → Running, or → Refused.
    public mutating func checked(_ checks: PromotionChecks) throws -> Action {
        guard phase == .pending else { throw MachineError.illegal(from: phase, event: "checked") }
        let refusals = checks.refusals
        if refusals.isEmpty {
            phase = .running
            return .apply
        }
        phase = .refused
        reasons = refusals
        return .refuse(refusals)
    }

    /// The target's lock could not be taken in time: Pending or Running → Refused.
    public mutating func lockHeld(_ reason: String) throws {
        guard phase == .pending || phase == .running else {
            throw MachineError.illegal(from: phase, event: "lockHeld")
        }
        phase = .refused
        reasons = [reason]
    }

    /// The target's plan was applied (or had nothing to apply): Running → Succeeded.
    public mutating func applied() throws {
        guard phase == .running else { throw MachineError.illegal(from: phase, event: "applied") }
        phase = .succeeded
    }

    /// The apply failed: Running → Failed.
    public mutating func applyFailed(_ reason: String) throws {
        guard phase == .running else { throw MachineError.illegal(from: phase, event: "applyFailed") }
        phase = .failed
        reasons = [reason]
    }
}
