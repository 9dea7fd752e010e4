/// One document read from a dataset source: the unit the planner cuts into blocks.
public struct SourceRecord: Sendable, Hashable {
    /// The document's id: a field or column of the record, a file's relative path, or a line number.
    public var id: String
    /// The text to process.
    public var text: String
    /// Where the record starts, for error messages and traces.
    public var location: SourceLocation

    public init(id: String, text: String, location: SourceLocation) {
        self.id = id
        self.text = text
        self.location = location
    }
}
