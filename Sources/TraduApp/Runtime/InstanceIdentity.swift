import Foundation
import Logging

/// Who a process is, for the instances table, leases and logs.
public struct InstanceIdentity: Sendable, Hashable {
    public var id: String
    public var role: String
    public var host: String
    public var pid: Int32

    public static func make(role: String) -> InstanceIdentity {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        return InstanceIdentity(id: "\(role)-\(host)-\(pid)-\(suffix)", role: role, host: host, pid: pid)
    }

    /// `logger` with this process's id and environment on every line.
    func logger(_ logger: Logger, environment: String) -> Logger {
        var logger = logger
        logger[metadataKey: "instance_id"] = "\(id)"
        logger[metadataKey: "env"] = "\(environment)"
        return logger
    }
}
