import Foundation
import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Commit marks (migration 21): every try of one commit carries the same token, and a try after one that
/// committed writes nothing, counts no spend again and returns what the first one did, even when the first one's
/// fence refused everything or it is still committing when the second one starts.
@Suite struct CommitMarkTests {
    static func pricedCompletion(_ block: ClaimedBlock) -> CompletedBlock {
        var completion = RuntimeFixtures.completion(block, by: "w1")
        completion.inputTokens = 100
        completion.costMicros = 1000
        completion.currency = "USD"
        return completion
    }

    @Test func aCommitTriedAgainWithItsTokenIsNotMadeTwice() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 3)
        let claimed = try await store.claim(instanceID: "w1", limit: 3, leaseDuration: .seconds(60))
        let batch = claimed.map(Self.pricedCompletion)
        let token = UUID()
        let first = try await store.complete(batch, token: token)
        #expect(first == Set(claimed.map(\.id)))
        let events = try await StoreFixtures.count(store, "\(EventLogSQL.everyEvent()) e")
        let again = try await store.complete(batch, token: token)
        #expect(again == first, "the second try returns what the first completed")
        #expect(try await StoreFixtures.count(store, "\(EventLogSQL.everyEvent()) e") == events)
        let spend = try #require(try await store.spendByPipeline()["translate"])
        #expect(spend.attempts == 3)
        #expect(spend.costMicros == 3000)
        // A new token is a new commit: met by the fence, and paid for (a refused outcome was paid for too).
        #expect(try await store.complete(batch, token: UUID()).isEmpty)
        #expect(try await store.spendByPipeline()["translate"]?.attempts == 6)
    }

    /// The corner the log alone could not see: a commit whose fence refused every outcome logs no event, so only
    /// the mark tells a second try that the first one committed (and counted its spend).
    @Test func aCommitWhoseFenceRefusedEverythingIsNotPaidTwice() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 2)
        let claimed = try await store.claim(instanceID: "w1", limit: 2, leaseDuration: .seconds(60))
        let lost = claimed.map { block in
            var completion = Self.pricedCompletion(block)
            completion.attempt += 5  // a lease lost long ago
            return completion
        }
        let token = UUID()
        #expect(try await store.complete(lost, token: token).isEmpty)
        #expect(try await store.complete(lost, token: token).isEmpty)
        #expect(try await store.spendByPipeline()["translate"]?.attempts == 2)
        let failures = claimed.map {
            FailedAttempt(
                id: $0.id, attempt: $0.attempt + 5, instanceID: "w1", errorClass: "data", message: "bad",
                retryAfter: nil)
        }
        let failureToken = UUID()
        #expect(try await store.fail(failures, token: failureToken).isEmpty)
        #expect(try await store.fail(failures, token: failureToken).isEmpty)
        #expect(try await store.spendByPipeline()["translate"]?.failedAttempts == 2)
    }

    /// A second try that starts while the first is still committing waits for it: if the first commits, the
    /// second writes nothing; if it rolls back, the second makes the commit.
    @Test(arguments: [true, false]) func aTryWaitsForTheTryStillCommitting(firstCommits: Bool) async throws {
        let (store, url) = try await RuntimeFixtures.enqueued(blocks: 2)
        let claimed = try await store.claim(instanceID: "w1", limit: 2, leaseDuration: .seconds(60))
        let batch = claimed.map(Self.pricedCompletion)
        let token = UUID()
        // The first try, still in its transaction: it has marked the commit and holds the mark's row.
        let first = try await PostgresConnection.connect(url)
        try await first.execute("BEGIN")
        try await first.execute("SET LOCAL search_path = \(store.schema.quoted)")
        _ = try await first.query(
            "INSERT INTO commit_marks (committer, token) VALUES ($1::uuid, $2::uuid)",
            [store.committer.uuidString, token.uuidString])
        let second = Task { try await store.complete(batch, token: token) }
        let watcher = try await PostgresConnection.connect(url)
        var waits = false
        for _ in 0..<200 where !waits {
            let waiting = try await watcher.query(
                // This database's sessions only: the two cases run at once, each on a database of its own.
                "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND datname = current_database() AND query LIKE '%commit_marks%' AND pid <> pg_backend_pid()")
            waits = waiting.first?["n"] == "1"
            if !waits { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(waits, "the second try waits on the first one's lock")
        try await first.execute(firstCommits ? "COMMIT" : "ROLLBACK")
        let completed = try await second.value
        let states = try await watcher.query(
            "SELECT state, count(*) AS n FROM \(store.schema.quoted).blocks GROUP BY state")
        let counts = Dictionary(uniqueKeysWithValues: states.map { ($0["state"] ?? "", $0["n"] ?? "") })
        if firstCommits {
            // The stand-in for the first try wrote only its mark: the second found it and wrote nothing.
            #expect(completed.isEmpty)
            #expect(counts == ["in_process": "2"])
            #expect(try await store.spendByPipeline()["translate"]?.attempts ?? 0 == 0)
        } else {
            #expect(completed == Set(claimed.map(\.id)))
            #expect(counts == ["completed": "2"])
            #expect(try await store.spendByPipeline()["translate"]?.attempts == 2)
        }
        await first.close()
        await watcher.close()
    }

    @Test func marksOfCommittersQuietForADayArePruned() async throws {
        let (store, _) = try await RuntimeFixtures.enqueued(blocks: 1)
        let claimed = try await store.claim(instanceID: "w1", limit: 1, leaseDuration: .seconds(60))
        _ = try await store.complete(claimed.map(Self.pricedCompletion), token: UUID())
        #expect(try await StoreFixtures.count(store, "commit_marks") == 1)
        #expect(try await store.pruneCommitMarks(olderThan: .seconds(86_400)) == 0)
        try await store.connection.execute("UPDATE commit_marks SET marked_at = now() - interval '25 hours'")
        #expect(try await store.pruneCommitMarks(olderThan: .seconds(86_400)) == 1)
        #expect(try await StoreFixtures.count(store, "commit_marks") == 0)
    }
}
