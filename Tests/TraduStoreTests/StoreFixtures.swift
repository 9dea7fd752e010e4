import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Builders and queries shared by the store tests.
enum StoreFixtures {
    static func freshStore(environment: String = "dev") async throws -> Store {
        try await Store.open(url: try await TestPostgres.shared.freshDatabase(), environment: environment)
    }

    static func content(_ hash: String, dataset: String = "docs") -> BlockContentRow {
        let records = "{\"id\":\"\(hash)-1\",\"text\":\"tab\\there\"}\n{\"id\":\"\(hash)-2\",\"text\":\"ünï\"}\n"
        return BlockContentRow(
            hash: hash, dataset: dataset, recordCount: 2, byteCount: Int64(records.utf8.count), records: records)
    }

    static func block(
        _ hash: String, _ language: String, pipeline: String = "translate", ordinal: Int = 0, spec: String = "spec-1"
    ) -> BlockRow {
        BlockRow(
            id: "\(pipeline)/\(hash)/\(language)", pipeline: pipeline, blockHash: hash, targetLanguage: language,
            ordinal: ordinal, specHash: spec)
    }

    static func pipeline(_ name: String = "translate", spec: String = "spec-1") -> StoredPipeline {
        StoredPipeline(
            name: name, dataset: "docs", specHash: spec, processingSpec: "{\"engine\": \"mock\"}",
            sizing: "{\"maxRecords\": 100}")
    }

    static func revision(_ message: String? = nil, summary: String = "{\"add\": 0}") -> RevisionInput {
        RevisionInput(
            manifestDigest: "sha256:manifests", planDigest: "sha256:plan", manifests: "{\"pipelines\": []}",
            gitCommit: "abc123", appliedBy: "alice@laptop", message: message, summary: summary)
    }

    static func batch(
        serial: Int64, lineage: String? = nil, contents: [BlockContentRow] = [], newBlocks: [BlockRow] = [],
        reprocess: [BlockReprocess] = [], cancel: [String] = [], pipelines: [StoredPipeline] = [],
        removedPipelines: [String] = [], message: String? = nil
    ) -> ApplyBatch<[BlockContentRow]> {
        ApplyBatch(
            expectedLineage: lineage, expectedSerial: serial, contents: contents, newBlocks: NewBlockRows(newBlocks),
            reprocess: reprocess, cancel: cancel, pipelines: pipelines, removedPipelines: removedPipelines,
            revision: revision(message))
    }

    static func count(_ store: Store, _ table: String) async throws -> Int {
        try await store.connection.query("SELECT count(*) AS n FROM \(table)")[0].int("n") ?? -1
    }

    /// One block's events as "from>to:reason@attempt", oldest first.
    static func events(_ store: Store, _ blockID: String) async throws -> [String] {
        try await store.connection.query(
            "SELECT from_state, to_state, reason, attempt FROM \(EventLogSQL.everyEvent()) e "
                + "WHERE block_id = $1 ORDER BY id",
            [blockID]
        ).map {
            "\($0["from_state"] ?? "nil")>\($0["to_state"] ?? "nil"):\($0["reason"] ?? "nil")@\($0["attempt"] ?? "")"
        }
    }

    static func state(_ store: Store, _ blockID: String) async throws -> (state: String?, attempt: Int?, spec: String?)
    {
        let row = try await store.connection.query(
            "SELECT state, attempt, spec_hash FROM blocks WHERE id = $1", [blockID])[0]
        return (row["state"], try row.int("attempt"), row["spec_hash"])
    }
}
