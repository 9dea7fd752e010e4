/// The revision an apply recorded and the environment serial it produced.
public struct AppliedRevision: Sendable, Hashable {
    public var number: Int64
    public var serial: Int64

    public init(number: Int64, serial: Int64) {
        self.number = number
        self.serial = serial
    }
}
