import Testing

@testable import TraduSources

@Suite struct SeenRecordIDsTests {
    /// Every id is found again with its first place, through the table's growth, whatever its length.
    @Test func everyIDIsFoundAgainWithItsFirstPlace() {
        var seen = SeenRecordIDs(capacity: 16)
        let ids = (0..<50_000).map { $0 % 3 == 0 ? "doc-\($0)" : "a-long-identifier-of-forty-or-more-bytes-\($0)" }
        for (index, id) in ids.enumerated() {
            #expect(seen.insert(id, place: UInt32(index + 1)) == nil)
        }
        #expect(seen.count == ids.count)
        for index in stride(from: 0, to: ids.count, by: 997) {
            #expect(seen.insert(ids[index], place: 999_999) == UInt32(index + 1))
        }
        #expect(seen.insert("", place: 1) == nil && seen.insert("", place: 2) == 1)
        #expect(seen.count == ids.count + 1, "a repeat is not counted")
    }
}
