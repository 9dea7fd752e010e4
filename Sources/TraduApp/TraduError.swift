import TraduCore

/// Errors of the application layer, classified the way operators need them: what to fix and where.
public enum TraduError: Error, Sendable, CustomStringConvertible {
    /// The user's configuration is incomplete or contradictory (an unset variable, a missing environment).
    case configuration(String)
    /// The manifests do not validate; the diagnostics say where.
    case invalidManifests([Diagnostic])
    /// A dataset could not be read; the diagnostics say which record or file.
    case invalidData([Diagnostic])
    /// The request was refused, not failed: a stale saved plan, a held lock, a mass cancel (exit 3).
    case rejected(String)
    /// What the request names does not exist: a freight, a revision, a rollout, a pipeline (exit 1; HTTP 404).
    case notFound(String)

    public var description: String {
        switch self {
        case .configuration(let message): message
        case .invalidManifests(let diagnostics): diagnostics.map(\.description).joined(separator: "\n")
        case .invalidData(let diagnostics): diagnostics.map(\.description).joined(separator: "\n")
        case .rejected(let message): message
        case .notFound(let message): message
        }
    }
}
