/// Errors of the application layer, classified the way operators need them: what to fix and where.
public enum TraduError: Error, Sendable, CustomStringConvertible {
    /// The user's configuration is incomplete or contradictory (an unset variable, a missing environment).
    case configuration(String)
    /// The manifests do not validate; the diagnostics say where.
    case invalidManifests(errorCount: Int)

    public var description: String {
        switch self {
        case .configuration(let message): message
        case .invalidManifests(let count): "the manifests have \(count) error\(count == 1 ? "" : "s")"
        }
    }
}
