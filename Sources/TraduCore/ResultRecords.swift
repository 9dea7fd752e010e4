/// A result's records as every reader gets them: one `{"id","source","translation"}` JSON line per document.
///
/// Each line used to be stored with a copy of its document's source, which the block's content holds already: about
/// a quarter of a result's bytes and 185 B of a run's WAL a block. Leaving the copy out changed what a result holds,
/// so it took two releases: one that reads both forms, merging the source back from the block's content, then one
/// that writes `{"id","translation"}` lines (`docs/ARCHITECTURE.md`, "A result holds each document's translation,
/// not a copy of its source"). Results written before keep their copy, so readers still take both forms.
public enum ResultRecords {
    /// Whether `records` were stored without the source copy: their first line (every line of a result is written
    /// alike) lacks the boundary before a `source` member, `","source":"`. Inside a JSON string every quote is
    /// escaped, so those bytes occur only between two members.
    public static func lackSource(_ records: String) -> Bool {
        var records = records
        return records.withUTF8 { bytes in
            guard !bytes.isEmpty else { return false }
            let end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            guard end >= boundary.count else { return true }
            for start in 0...(end - boundary.count) where bytes[start] == boundary[0] {
                if (1..<boundary.count).allSatisfy({ bytes[start + $0] == boundary[$0] }) { return false }
            }
            return true
        }
    }

    /// The bytes before a `source` member's value, made once: every record an export reads is searched for them.
    private static let boundary = Array(#"","source":""#.utf8)

    /// `records` with each line that has no `source` given its document's text from `content`, the block's
    /// stored documents (`{"id","text"}` lines), as the line's second member: the bytes a writer that copied the
    /// source produced. Lines that have a source, that are not objects of strings, or whose document `content`
    /// does not hold are left as they are.
    public static func withSources(_ records: String, content: String) -> String {
        let sources = texts(in: content)
        guard !sources.isEmpty else { return records }
        var merged = ""
        merged.reserveCapacity(records.utf8.count + content.utf8.count)
        var records = records
        records.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                if !appendWithSource(line, sources: sources, to: &merged) {
                    merged += String(decoding: line, as: UTF8.self)
                }
                if end < bytes.count { merged += "\n" }
                start = end + 1
            }
        }
        return merged
    }

    /// Appends `line` with its source as its second member; false when it cannot or need not have one.
    private static func appendWithSource(
        _ line: UnsafeBufferPointer<UInt8>, sources: [String: String], to merged: inout String
    ) -> Bool {
        guard let members = FlatStringObject.members(line), let first = members.first, first.key == "id",
            !members.contains(where: { $0.key == "source" }), let source = sources[first.value]
        else { return false }
        merged += "{\"id\":"
        JSONValue.appendQuoted(first.value, to: &merged)
        merged += ",\"source\":"
        JSONValue.appendQuoted(source, to: &merged)
        for member in members.dropFirst() {
            merged += ","
            JSONValue.appendQuoted(member.key, to: &merged)
            merged += ":"
            JSONValue.appendQuoted(member.value, to: &merged)
        }
        merged += "}"
        return true
    }

    /// Each document's text by id, from a block's stored `{"id","text"}` lines.
    private static func texts(in content: String) -> [String: String] {
        var texts: [String: String] = [:]
        var content = content
        content.withUTF8 { bytes in
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard let members = FlatStringObject.members(UnsafeBufferPointer(rebasing: line)),
                    let id = members.last(where: { $0.key == "id" })?.value,
                    let text = members.last(where: { $0.key == "text" })?.value
                else { continue }
                texts[id] = text
            }
        }
        return texts
    }
}
