/// The five kinds of manifest object (DESIGN §2).
public enum ManifestKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case dataset = "Dataset"
    case engine = "Engine"
    case retryPolicy = "RetryPolicy"
    case pipeline = "Pipeline"
    case environment = "Environment"

    /// The only API version this build understands.
    public static let apiVersion = "tradu/v1"

    /// Lower-case, for file names and the `tradu schema KIND` argument: `retrypolicy`.
    public var fileStem: String { rawValue.lowercased() }

    public init?(caseInsensitive text: String) {
        guard let kind = ManifestKind.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
            return nil
        }
        self = kind
    }

    public static func < (lhs: ManifestKind, rhs: ManifestKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
