/// Which incarnation of an environment this is and how many applies it has seen. A saved plan records both and
/// is refused if either moved (Terraform's lineage and serial).
public struct EnvironmentState: Sendable, Hashable {
    /// A UUID, fixed when the environment's schema is created.
    public var lineage: String
    /// Incremented by one on every apply.
    public var serial: Int64

    public init(lineage: String, serial: Int64) {
        self.lineage = lineage
        self.serial = serial
    }
}
