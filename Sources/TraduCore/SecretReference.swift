/// Where a secret comes from. Only the reference is ever read at plan time, stored or logged; the value is
/// read by the process that needs it, when it needs it.
public struct SecretReference: Sendable, Hashable, Codable, CustomStringConvertible {
    public var environmentVariable: String

    public init(environmentVariable: String) { self.environmentVariable = environmentVariable }

    public var description: String { "env:\(environmentVariable)" }
}
