import Foundation

/// Correlation ids: one per CLI invocation or reconcile cycle, carried in every log line as `request_id`.
public enum RequestID {
    /// A short random id, e.g. `r-5f0c9a2e41b7`.
    public static func make() -> String {
        "r-" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12)).lowercased()
    }
}
