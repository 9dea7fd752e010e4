import Foundation
import Testing
import TraduCore
import TraduTestSupport

@testable import TraduStore

/// Migration 27 (`eventChunks`): the event log's second form, a hot statement's events as one row of arrays, which
/// the hot transitions write. A real run's events (scheduling, claims, completions, retries, failures) are read by
/// every reader of the log as the run wrote them, then moved back into rows (the log as releases before migration 27
/// wrote it), then into chunks that interleave as side-by-side statements' do: every answer is the same each time.
/// Then the two prunes remove them from both forms.
@Suite struct EventChunkReadersTests {
    /// What every reader of the log answers.
    struct Answers: Equatable {
        var latest: Int64 = 0
        /// The whole log, followed from the start seven events at a time.
        var stream: [StreamedEvent] = []
        /// One read past the middle of the log, watching three gaps.
        var streamWithGaps: [StreamedEvent] = []
        /// `trace` of every block, and the API's pages of two of a few.
        var traces: [String: [BlockEvent]] = [:]
        var pages: [String: [BlockEvent]] = [:]
        /// The look-up after a broken commit: the outcomes the log holds, and the same outcomes one attempt later.
        var completions: Set<String> = []
        var failures: Set<String> = []
        var laterAttempts: Set<String> = []
        var recent: [String: Int] = [:]
    }

    static func answers(_ store: Store, blocks: [String]) async throws -> Answers {
        var answers = Answers()
        answers.latest = try await store.latestEventID()
        var after: Int64 = 0
        while true {
            let page = try await store.streamEvents(after: after, limit: 7)
            guard let last = page.last else { break }
            #expect(page.count <= 7)
            answers.stream += page
            after = last.event.sequence
        }
        let ids = answers.stream.map(\.event.sequence)
        if ids.count > 60 {
            answers.streamWithGaps = try await store.streamEvents(
                after: ids[30], gaps: [ids[3]...ids[20], ids[27]...ids[28], ids[25]...ids[25]], limit: 4)
        }
        var completions: [(id: String, attempt: Int, instanceID: String)] = []
        var failures: [(id: String, attempt: Int, instanceID: String)] = []
        for block in blocks {
            let trace = try await store.events(blockID: block)
            answers.traces[block] = trace
            for event in trace where event.fromState == .inProcess {
                guard let instance = event.instanceID else { continue }
                if event.toState == .completed { completions.append((block, event.attempt, instance)) }
                if event.reason == "retry scheduled" || event.reason == "failed for good" {
                    failures.append((block, event.attempt, instance))
                }
            }
        }
        for block in blocks.prefix(4) {
            var paged: [BlockEvent] = []
            var after: Int64 = 0
            while true {
                let page = try await store.eventPage(blockID: block, after: after, limit: 2)
                guard let last = page.last else { break }
                paged += page
                after = last.sequence
            }
            answers.pages[block] = paged
        }
        answers.completions = try await store.loggedOutcomes(completions, of: .completion)
        answers.failures = try await store.loggedOutcomes(failures, of: .failure)
        answers.laterAttempts = try await store.loggedOutcomes(
            completions.map { ($0.id, $0.attempt + 1, $0.instanceID) }, of: .completion)
        answers.recent = try await store.completedRecently(seconds: 3600)
        return answers
    }

    @Test func everyReaderAnswersTheSameWhenARunsEventsAreChunks() async throws {
        // Documents 1 and 10 to 19 come back with a NUL character: a retry, then a failure for good.
        let project = try await TestProject.runtime(
            documents: 40, maxRecords: 1, maxAttempts: 2, extraArguments: ["--nul-for", "Document 1"])
        let up = try await CommandLineTests.run(["up", "-e", "dev"], in: project.root, database: project.databaseURL)
        #expect(up.status == 4, "a run with failures: \(up.status) \(up.stdout) \(up.stderr)")
        #expect(up.stdout.contains("29 blocks completed, 11 failed"), "\(up.stdout)")
        let store = try await project.store()
        defer { Task { await store.close() } }
        let blocks = try await store.connection.query("SELECT id FROM blocks ORDER BY id").map {
            try $0.required("id") as String
        }
        #expect(blocks.count == 40)
        // The run wrote its hot transitions as chunks: scheduling's labelled ones among them.
        let written = try await store.connection.query(
            """
            SELECT (SELECT count(*) FROM block_event_chunks) AS chunks,
                   (SELECT count(*) FROM block_event_chunks WHERE pipelines IS NOT NULL) AS labelled,
                   (SELECT coalesce(sum(cardinality(ids)), 0) FROM block_event_chunks) AS chunked
            """)[0]
        #expect(try written.required("chunks", Int.init) > 3 && written.required("labelled", Int.init) > 0)
        let asWritten = try await Self.answers(store, blocks: blocks)

        try await store.connection.query(EventChunkMover.toRows)
        let events = try await store.connection.query("SELECT count(*) AS n FROM block_events")[0].required(
            "n", Int.init)
        #expect(try written.required("chunked", Int.init) > events / 2, "most of the run's \(events) were chunked")
        let rows = try await Self.answers(store, blocks: blocks)
        #expect(asWritten == rows)
        // The answers are worth comparing: the whole log, both outcomes, labels on scheduling.
        #expect(rows.stream.count == events && events > 150, "\(rows.stream.count) of \(events)")
        #expect(rows.stream.map(\.event.sequence) == rows.stream.map(\.event.sequence).sorted())
        #expect(rows.latest == rows.stream.last?.event.sequence)
        // Four above the cursor; four, two and one in the gaps.
        let gapIDs = rows.streamWithGaps.map(\.event.sequence)
        #expect(gapIDs.count == 11, "\(gapIDs)")
        #expect(rows.completions.count == 29 && rows.failures.count == 11, "\(rows.completions) \(rows.failures)")
        #expect(rows.laterAttempts.isEmpty)
        #expect(rows.recent == ["translate": 29])
        #expect(rows.stream.filter { $0.label != nil }.count == 40)

        try await store.connection.query(EventChunkMover.sql)
        let shape = try await store.connection.query(
            """
            SELECT (SELECT count(*) FROM block_event_chunks) AS chunks,
                   (SELECT count(*) FROM block_events) AS rows,
                   (SELECT count(*) FROM block_event_chunks a JOIN block_event_chunks b
                    ON b.first_id > a.first_id AND b.first_id < a.last_id) AS overlaps
            """)[0]
        let chunks = try shape.required("chunks", Int.init)
        let left = try shape.required("rows", Int.init)
        #expect(chunks > 20 && left > 20 && left < events / 2, "\(chunks) chunks, \(left) rows")
        #expect(try shape.required("overlaps", Int.init) > 10, "the chunks' spans interleave")

        let chunked = try await Self.answers(store, blocks: blocks)
        #expect(chunked.latest == rows.latest)
        #expect(chunked.stream == rows.stream)
        #expect(chunked.streamWithGaps == rows.streamWithGaps)
        #expect(chunked.traces == rows.traces)
        #expect(chunked.pages == rows.pages)
        #expect(chunked.completions == rows.completions && chunked.failures == rows.failures)
        #expect(chunked.laterAttempts.isEmpty)
        #expect(chunked.recent == rows.recent)

        // The API's event reader (no sequential scan, no sort) and the claiming store (no bitmap scan, which the
        // chunks' GIN index needs) read the same.
        let reader = try await project.store()
        defer { Task { await reader.close() } }
        try await reader.prepareEventLogReader()
        #expect(try await Self.answers(reader, blocks: blocks) == rows)
        try await reader.preferOrderedIndexScans()
        let claims = try await reader.loggedOutcomes(
            rows.completions.sorted().map { id in
                let done = rows.traces[id]!.last { $0.toState == .completed }!
                return (id, done.attempt, done.instanceID!)
            }, of: .completion)
        #expect(claims == rows.completions)

        // The prune of cancelled blocks takes their events out of both forms, and nothing else.
        let doomed = [blocks[0], blocks[1], blocks[2], blocks[10]]
        try await store.connection.query(
            "UPDATE blocks SET state = 'cancelled', updated_at = now() - interval '2 days' WHERE id = ANY($1::text[])",
            [SQLText.arrayLiteral(doomed)])
        _ = try await store.pruneCancelledBlocks(olderThan: .seconds(3600), after: nil, limit: 1_000)
        let pruned = try await Self.answers(store, blocks: blocks)
        for block in blocks {
            #expect(pruned.traces[block] == (doomed.contains(block) ? [] : rows.traces[block]), "\(block)")
        }
        #expect(pruned.stream == rows.stream.filter { !doomed.contains($0.event.blockID) })
        let stillChunked = try await store.connection.query("SELECT count(*) AS n FROM block_event_chunks")[0]
            .required("n", Int.init)
        #expect(stillChunked > 0 && stillChunked <= chunks)

        // Pruning by age: nothing is an hour old; everything is older than nothing, walked five units at a time.
        let young = try await store.pruneEvents(olderThan: .seconds(3600), after: nil, limit: 5)
        #expect(young == PruneBatch(deleted: 0, next: nil))
        var deleted = 0
        var cursor: String?
        var batches = 0
        repeat {
            let batch = try await store.pruneEvents(olderThan: DurationValue(milliseconds: 0), after: cursor, limit: 5)
            deleted += batch.deleted
            cursor = batch.next
            batches += 1
        } while cursor != nil && batches < 1_000
        // The walk stops at its first batch with an event younger than the cut-off, so one more pass finishes
        // what arrived meanwhile; here nothing did.
        #expect(deleted == pruned.stream.count, "\(deleted) of \(pruned.stream.count) in \(batches) batches")
        #expect(batches > 10)
        #expect(try await store.latestEventID() == 0)
        #expect(try await store.streamEvents(after: 0, limit: 100).isEmpty)
    }
}
