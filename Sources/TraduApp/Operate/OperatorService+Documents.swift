import TraduCore
import TraduStore

extension OperatorService {
    /// Where a document is: every block content holding a document with this id (in `dataset` only, when given),
    /// its text there, and each block on that content with the document's translation from the block's current
    /// result. Nil when no content holds it.
    ///
    /// Reads one bucket of the document index, the contents it names, and their blocks (`content_blocks`): a
    /// few indexed reads, whatever the size of the environment.
    public func documentLookup(id: String, dataset: String?) async throws -> JSONValue? {
        try await withStore { store in
            let contents = try await store.contents(holding: DocumentKey(documentID: id)).filter {
                dataset == nil || $0.dataset == dataset
            }
            var found: [(content: IndexedContent, text: String)] = []
            for content in contents {
                for record in Self.records(in: content.records, withID: id) {
                    found.append((content, record["text"]?.stringValue ?? ""))
                }
            }
            guard !found.isEmpty else { return nil }
            let blocks = Dictionary(
                grouping: try await store.blocks(onContents: Array(Set(found.map(\.content.hash))).sorted()),
                by: \.content)
            let documents = found.map { content, text -> JSONValue in
                let onContent = (blocks[content.hash] ?? []).map { entry -> JSONValue in
                    guard case .object(var fields) = APIPresenter.block(entry.block) else { return .null }
                    if let records = entry.resultRecords,
                        let translated = Self.records(in: records, withID: id).first?["translation"]
                    {
                        fields.append(("translation", translated))
                        if let attempt = entry.resultAttempt { fields.append(("resultAttempt", .int(attempt))) }
                    }
                    return .object(fields)
                }
                return .object([
                    ("dataset", .string(content.dataset)), ("content", .string(content.hash)),
                    ("text", .string(text)), ("blocks", .array(onContent)),
                ])
            }
            return .object([("id", .string(id)), ("documents", .array(documents))])
        }
    }

    /// The JSON Lines records of a content or a result whose `id` is `id`, parsed.
    static func records(in text: String, withID id: String) -> [JSONValue] {
        guard let ids = BlockRecordIDs.ids(in: text), ids.contains(id) else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        return zip(ids, lines).compactMap { lineID, line in
            lineID == id ? try? JSONText.parse(String(line), name: "record") : nil
        }
    }
}
