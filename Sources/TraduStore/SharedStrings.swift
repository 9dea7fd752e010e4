/// One stored copy of each distinct value: rows read by the million repeat a few pipeline names, languages and
/// spec hashes, and a `String` longer than 15 UTF-8 bytes is a heap allocation per row unless it is shared.
struct SharedStrings: Sendable {
    private var values: Set<String> = []

    /// `value`, or the equal copy seen before.
    mutating func one(_ value: String) -> String {
        if let seen = values.firstIndex(of: value) { return values[seen] }
        values.insert(value)
        return value
    }
}
