import Foundation

/// The process environment, read once: later `setenv` calls from other threads cannot race with readers.
public enum ProcessEnvironment {
    public static let snapshot: [String: String] = ProcessInfo.processInfo.environment
}
