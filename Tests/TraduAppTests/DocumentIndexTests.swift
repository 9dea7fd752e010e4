import Foundation
import Logging
import Testing
import TraduApp
import TraduCore
import TraduStore
import TraduTestSupport

/// The document index against a real PostgreSQL: apply files every document of every new content, a lookup
/// finds a document by any id (slashes, quotes, control characters, emoji), the SQL backfill of migration 12
/// writes exactly what apply writes, and an edited document is found in its old and its new content.
@Suite(.serialized) struct DocumentIndexTests {
    static let awkwardIDs = [
        "docs/guide/intro.md", "é \"q\" 😀", "tab\there", "back\\slash", "line\nbreak", "中文/ファイル.txt",
        "$id$ dollar",
    ]

    static func write(_ project: TestProject, editing edited: String? = nil) throws {
        var ids = (0..<300).map { "doc-\($0)" }
        ids.insert(contentsOf: awkwardIDs, at: 150)
        var text = ""
        for id in ids {
            var line = "{\"id\":"
            JSONValue.appendQuoted(id, to: &line)
            line += ",\"text\":"
            JSONValue.appendQuoted(id == edited ? "Edited text of \(id)." : "Text of \(id).", to: &line)
            text += line + "}\n"
        }
        try text.write(toFile: "\(project.manifests)/data/docs.jsonl", atomically: true, encoding: .utf8)
    }

    static func entries(_ project: TestProject) async throws -> [String] {
        try await project.query(
            """
            SELECT u.key::text || ' ' || u.content::text AS entry
            FROM document_index, unnest(keys, contents) AS u (key, content) ORDER BY 1
            """
        ).map { $0["entry"]!! }
    }

    @Test func everyDocumentIsFoundByItsIdAndTheBackfillWritesWhatApplyWrites() async throws {
        let project = try await TestProject.runtime(documents: 1, maxRecords: 20)
        try Self.write(project)
        #expect(try await project.apply().1 != nil)
        let service = OperatorService(
            target: EnvironmentTarget(environment: .implicit("dev"), url: project.databaseURL),
            logger: Logger(label: "test"))

        for id in Self.awkwardIDs + ["doc-0", "doc-299"] {
            let found = try #require(try await service.documentLookup(id: id, dataset: nil), "\(id) is found")
            let documents = try #require(found["documents"]?.arrayValue)
            #expect(documents.count == 1, "\(id): \(found.encoded())")
            #expect(documents.first?["text"]?.stringValue == "Text of \(id).")
            #expect(documents.first?["dataset"]?.stringValue == "docs")
            let blocks = try #require(documents.first?["blocks"]?.arrayValue)
            #expect(blocks.count == 1 && blocks.first?["targetLanguage"]?.stringValue == "fr")
            #expect(blocks.first?["translation"] == nil, "nothing translated yet")
        }
        #expect(try await service.documentLookup(id: "doc-300", dataset: nil) == nil)
        #expect(try await service.documentLookup(id: "doc-1", dataset: "other") == nil)

        // PostgreSQL computes the same key, so migration 12 can index what was applied before it.
        for id in Self.awkwardIDs {
            let sql = try await project.query(
                "SELECT ('x' || substr(md5($q$\(id)$q$), 1, 16))::bit(64)::bigint::text AS key")
            #expect(sql.first?["key"]!! == String(DocumentKey(documentID: id).value), "\(id)")
        }
        let written = try await Self.entries(project)
        #expect(written.count == 307, "one entry per document")
        try await project.query("DELETE FROM document_index")
        try await project.query(StoreMigrations.documentIndexBackfill)
        #expect(try await Self.entries(project) == written, "the backfill writes what apply wrote")
        let rows = try await project.query(
            "SELECT count(*) AS n FROM document_index WHERE cardinality(keys) > \(DocumentKey.keysPerRow)")
        #expect(rows.first?["n"]!! == "0")
    }

    /// Cutter version 3 keeps the cut by each content's last record: apply records it, whatever the id holds, and
    /// migration 16's SQL reads the same from the records (for contents an older build stored).
    @Test func applyRecordsEachContentsLastRecordAsTheMigrationReadsIt() async throws {
        let project = try await TestProject.runtime(documents: 1, maxRecords: 1)
        try Self.write(project)
        #expect(try await project.apply().1 != nil)
        let expression = StoreMigrations.lastRecordOfContent("records")
        let rows = try await project.query(
            "SELECT last_record, \(expression) AS computed FROM block_contents ORDER BY hash")
        #expect(rows.count == 307, "one content per document")
        #expect(rows.allSatisfy { $0["last_record"]! != nil && $0["last_record"]! == $0["computed"]! })
        #expect(Set(rows.compactMap { $0["last_record"]! }).isSuperset(of: Self.awkwardIDs))
        try await project.query("UPDATE block_contents SET last_record = NULL")
        try await project.query("UPDATE block_contents SET last_record = \(expression)")
        let backfilled = try await project.query("SELECT last_record FROM block_contents ORDER BY hash")
        #expect(backfilled.map { $0["last_record"]! } == rows.map { $0["last_record"]! })
        let cuts = try await project.query("SELECT dataset, last_record FROM dataset_cuts")
        #expect(cuts.map { "\($0["dataset"]!!) \($0["last_record"]!!)" } == ["docs doc-299"])
    }

    @Test func anEditedDocumentIsFoundInItsOldAndItsNewContent() async throws {
        let project = try await TestProject.runtime(documents: 1, maxRecords: 20)
        try Self.write(project)
        try await project.apply()
        let before = try await Self.entries(project)
        try Self.write(project, editing: "docs/guide/intro.md")
        #expect(try await project.apply().1 != nil)
        let after = try await Self.entries(project)
        // Only the new content's documents are added: its block of up to 20 documents, nothing else again.
        #expect(Set(before).isSubset(of: Set(after)) && after.count > before.count && after.count <= before.count + 20)

        let service = OperatorService(
            target: EnvironmentTarget(environment: .implicit("dev"), url: project.databaseURL),
            logger: Logger(label: "test"))
        let found = try #require(try await service.documentLookup(id: "docs/guide/intro.md", dataset: "docs"))
        let documents = try #require(found["documents"]?.arrayValue)
        let states = documents.map {
            "\($0["text"]?.stringValue ?? ""): \($0["blocks"]?.arrayValue?.first?["state"]?.stringValue ?? "")"
        }
        #expect(
            states.sorted() == [
                "Edited text of docs/guide/intro.md.: created", "Text of docs/guide/intro.md.: cancelled",
            ],
            "\(states)")
    }
}
