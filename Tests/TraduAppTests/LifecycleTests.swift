import Foundation
import Testing
import TraduApp
import TraduCore

@testable import TraduStore

/// Retention (`tradu prune`) and erasure (`tradu erase`) against a real PostgreSQL, on blocks a real run
/// completed.
@Suite struct LifecycleTests {
    private func runToCompletion(_ project: TestProject) async throws {
        let run = try await CommandLineTests.run(["run", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(run.status == 0, "\(run.stderr)")
    }

    private func count(_ project: TestProject, _ sql: String) async throws -> Int {
        Int(try await project.query(sql)[0]["n"]!!)!
    }

    private func service(_ project: TestProject) async throws -> OperatorService {
        try await OperatorService.locate(
            directory: project.manifests, environment: "dev", resolver: project.resolver, logger: project.logger,
            projectRoot: project.root)
    }

    /// Old events, cancelled blocks' results, cancelled blocks past retention and the contents only they used go,
    /// in many small batches; everything younger or still referenced stays; the audit says who and why.
    @Test func pruneDeletesWhatRetentionAllowsInBatchesAndKeepsTheRest() async throws {
        let project = try await TestProject.runtime(documents: 30, maxRecords: 1)
        try await project.apply()
        try await runToCompletion(project)
        // Five documents change: their old blocks are cancelled ("left the manifests"), new ones run.
        try project.writeDocuments(
            0..<30, edit: Dictionary(uniqueKeysWithValues: (0..<5).map { ($0, "Edited \($0).") }))
        try await project.apply()
        try await runToCompletion(project)
        #expect(try await count(project, "SELECT count(*) AS n FROM blocks WHERE state = 'cancelled'") == 5)
        #expect(try await count(project, "SELECT count(*) AS n FROM block_contents") == 35)
        // Four of the cancelled blocks were cancelled 40 days ago, with every event older than the edit.
        try await project.query(
            """
            UPDATE blocks SET updated_at = now() - interval '40 days'
            WHERE state = 'cancelled' AND id IN (SELECT id FROM blocks WHERE state = 'cancelled' ORDER BY id LIMIT 4)
            """)
        let cutoff = try await count(
            project, "SELECT max(id) AS n FROM block_events WHERE reason = 'left the manifests'")
        // The runs' hot transitions wrote chunks (migration 27), none of which straddles the edit: backdated whole.
        let log = "\(EventLogSQL.everyEvent()) e"
        #expect(try await count(project, "SELECT count(*) AS n FROM block_event_chunks WHERE last_id <= \(cutoff)") > 0)
        #expect(
            try await count(
                project,
                "SELECT count(*) AS n FROM block_event_chunks WHERE first_id <= \(cutoff) AND last_id > \(cutoff)")
                == 0)
        try await project.query("UPDATE block_events SET at = now() - interval '40 days' WHERE id <= \(cutoff)")
        try await project.query(
            """
            UPDATE block_event_chunks
            SET at = now() - interval '40 days', ats = array_fill(now() - interval '40 days', ARRAY[cardinality(ids)])
            WHERE last_id <= \(cutoff)
            """)
        let young = try await count(project, "SELECT count(*) AS n FROM \(log) WHERE id > \(cutoff)")
        let old = try await count(project, "SELECT count(*) AS n FROM \(log) WHERE id <= \(cutoff)")

        let retention = Retention(
            events: DurationValue(parsing: "30d")!, cancelledBlocks: .seconds(30 * 24 * 3600), batchSize: 3)
        let outcome = try await service(project).prune(retention, actor: "ops-bot", reason: "nightly retention")

        #expect(outcome.events == old, "every event older than 30 days, reported")
        #expect(
            try await count(project, "SELECT count(*) AS n FROM \(log) WHERE at < now() - interval '30 days'") == 0)
        #expect(
            try await count(project, "SELECT count(*) AS n FROM \(log)") == young,
            "every younger event stays (minus those of pruned blocks, which are all old here)")
        #expect(outcome.cancelledResults == 5)
        #expect(
            try await count(
                project,
                "SELECT count(*) AS n FROM results r JOIN blocks b ON b.id = r.block_id WHERE b.state = 'cancelled'")
                == 0)
        #expect(outcome.cancelledBlocks == 4)
        #expect(try await count(project, "SELECT count(*) AS n FROM blocks WHERE state = 'cancelled'") == 1)
        #expect(outcome.contents == 4, "the contents only the pruned blocks used")
        #expect(try await count(project, "SELECT count(*) AS n FROM block_contents") == 31)
        #expect(try await count(project, "SELECT count(*) AS n FROM results") == 30)
        // No foreign key checks this (migration 18): the prune does, by deleting a block's results with it.
        #expect(
            try await count(
                project,
                "SELECT count(*) AS n FROM results r WHERE NOT EXISTS (SELECT 1 FROM blocks b WHERE b.id = r.block_id)")
                == 0)
        #expect(outcome.batches > 10, "batches of 3 rows: \(outcome.batches)")
        // The document index names no deleted content, and still finds every live one.
        #expect(
            try await count(
                project,
                """
                SELECT count(*) AS n FROM document_index d, unnest(d.contents) AS u (c)
                WHERE NOT EXISTS (SELECT 1 FROM block_contents b WHERE b.hash = replace(u.c::text, '-', ''))
                """) == 0)
        let store = try await project.store()
        var edited = 0
        for index in 0..<30 {
            let found = try await store.contents(holding: DocumentKey(documentID: "doc-\(index)")).count
            if index < 5 { edited += found } else { #expect(found == 1, "doc-\(index)") }
        }
        #expect(edited == 5 + 1, "the edited documents' new contents, and the one old content a block still uses")
        await store.close()
        let audit = try await project.query("SELECT actor, reason, detail FROM operator_actions WHERE action = 'prune'")
        #expect(audit.count == 1 && audit[0]["actor"]!! == "ops-bot" && audit[0]["reason"]!! == "nightly retention")
        // Nothing the manifests still want was touched: a re-plan has nothing to do.
        #expect(try await project.plan().hasChanges == false)
        // A second prune finds nothing.
        let again = try await service(project).prune(retention, actor: "ops-bot", reason: "again")
        #expect(again.events + again.cancelledResults + again.cancelledBlocks + again.contents == 0)
    }

    /// One document's text leaves the contents, every result version, the memory and the export; the audit and
    /// the tombstone do not hold its id; a re-plan with the document still in the source leaves it out.
    @Test func eraseRemovesADocumentEverywhereAndARePlanDoesNotBringItBack() async throws {
        let project = try await TestProject.runtime(documents: 20, maxRecords: 5)
        try await project.apply()
        try await runToCompletion(project)
        let erased = "doc-7"
        let text = TestProject.text(7)
        let memoryBefore = try await count(project, "SELECT count(*) AS n FROM translation_memory")
        #expect(
            try await count(project, "SELECT count(*) AS n FROM block_contents WHERE records LIKE '%\(erased)\"%'") == 1
        )
        #expect(try await count(project, "SELECT count(*) AS n FROM results WHERE records LIKE '%\(erased)\"%'") == 1)
        let holder = try await project.query(
            "SELECT hash, record_count FROM block_contents WHERE records LIKE '%\(erased)\"%'")[0]
        let wanted = try await count(project, "SELECT count(*) AS n FROM blocks WHERE state <> 'cancelled'")

        let outcome = try await service(project).erase(
            dataset: "docs", ids: [erased, "doc-never-existed"], actor: "dpo@example.com", reason: "request 42")

        #expect(outcome.documents == 2 && outcome.found == 1 && outcome.contents == 1 && outcome.results == 1)
        #expect(outcome.memoryEntries == 1, "the document's one unit, one target language")
        #expect(try await count(project, "SELECT count(*) AS n FROM translation_memory") == memoryBefore - 1)
        #expect(
            try await count(project, "SELECT count(*) AS n FROM block_contents WHERE records LIKE '%\(erased)\"%'") == 0
        )
        #expect(
            try await count(project, "SELECT count(*) AS n FROM block_contents WHERE records LIKE '%\(text)%'") == 0)
        #expect(try await count(project, "SELECT count(*) AS n FROM results WHERE records LIKE '%\(erased)\"%'") == 0)
        let rewritten = try await project.query(
            """
            SELECT record_count, byte_count, octet_length(records) AS bytes FROM block_contents
            WHERE hash = '\(holder["hash"]!!)'
            """)[0]
        #expect(Int(rewritten["record_count"]!!)! == Int(holder["record_count"]!!)! - 1)
        #expect(rewritten["byte_count"]!! == rewritten["bytes"]!!)
        // The audit and the tombstones say who, why and how many, never which.
        let audit = try await project.query("SELECT actor, reason, detail FROM operator_actions WHERE action = 'erase'")
        #expect(audit.count == 1 && audit[0]["actor"]!! == "dpo@example.com" && audit[0]["reason"]!! == "request 42")
        #expect(audit[0]["detail"]!! == "2 documents of dataset 'docs'")
        let everything = try await project.query(
            "SELECT string_agg(t::text, ' ') AS all FROM (SELECT * FROM erased_documents) t")
        #expect(!(everything[0]["all"]!! ?? "").contains(erased))
        // Exported results hold the other 19 documents and not this one.
        let folder = project.root + "/export"
        _ = try await service(project).export(pipeline: nil, to: folder)
        let exported = try String(contentsOfFile: folder + "/translate/fr.jsonl", encoding: .utf8)
        #expect(!exported.contains("\"\(erased)\""))
        #expect(exported.split(separator: "\n").count == 19)

        // The document is still in the source: the re-plan leaves it out, re-cuts its block from the others.
        let plan = try await project.plan()
        #expect(plan.datasets.first?.erasedCount == 1)
        try await project.apply()
        try await runToCompletion(project)
        #expect(
            try await count(project, "SELECT count(*) AS n FROM block_contents WHERE records LIKE '%\(erased)\"%'") == 0
        )
        #expect(try await count(project, "SELECT count(*) AS n FROM results WHERE records LIKE '%\(erased)\"%'") == 0)
        #expect(
            try await project.counts() == ["completed": wanted, "cancelled": 1],
            "the block that held the document is cut again from its other documents; the old one is cancelled")
    }

    /// Erasing from a dataset no pipeline ever used is an error that names it, and writes nothing.
    @Test func erasingFromAnUnknownDatasetIsRefusedAndWritesNothing() async throws {
        let project = try await TestProject.runtime(documents: 4, maxRecords: 2)
        try await project.apply()
        await #expect(throws: TraduError.self) {
            try await service(project).erase(dataset: "nope", ids: ["doc-1"], reason: "test")
        }
        #expect(try await count(project, "SELECT count(*) AS n FROM erased_documents") == 0)
        #expect(try await count(project, "SELECT count(*) AS n FROM operator_actions") == 0)
    }
}
