import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

/// The runtime's batch paths at a realistic size. No timing is asserted: speed is the benchmark's business.
@Suite struct RuntimeBulkTests {
    @Test func twentyThousandBlocksRunThroughInBatches() async throws {
        let total = 20_000
        let (store, url) = try await RuntimeFixtures.store(blocks: total)
        let other = try await Store.open(url: url, environment: "dev")
        let started = ContinuousClock.now
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: total)]) == ["translate": total])

        @Sendable func work(_ store: Store, _ instance: String) async throws -> Int {
            var done = 0
            while true {
                let claimed = try await store.claim(instanceID: instance, limit: 512, leaseDuration: .seconds(60))
                if claimed.isEmpty { return done }
                // Every tenth block fails once and is retried at once; the rest complete.
                let failing = claimed.filter { $0.attempt == 1 && $0.id.hasSuffix("0/fr") }
                let completing = claimed.filter { !($0.attempt == 1 && $0.id.hasSuffix("0/fr")) }
                let failed = try await store.fail(
                    failing.map {
                        FailedAttempt(
                            id: $0.id, attempt: $0.attempt, instanceID: instance, errorClass: "capacity",
                            message: "busy", retryAfter: .zero)
                    })
                #expect(failed.count == failing.count)
                let memory = completing.map { (key: "k-\($0.blockHash)", translation: "t-\($0.blockHash)") }
                let completed = try await store.complete(
                    completing.map { RuntimeFixtures.completion($0, by: instance) }, memory: memory)
                #expect(completed.count == completing.count)
                done += completed.count
            }
        }
        async let first = work(store, "w1")
        async let second = work(other, "w2")
        let done = try await first + second
        let elapsed = ContinuousClock.now - started
        print("runtime bulk: \(total) blocks scheduled, claimed and completed in \(elapsed)")

        #expect(done == total)
        #expect(try await store.counts() == ["translate": [.completed: total]])
        #expect(try await StoreFixtures.count(store, "results") == total)
        #expect(try await StoreFixtures.count(store, "translation_memory") == total)
        let events = try await store.connection.query(
            "SELECT to_state, count(*) AS n FROM \(EventLogSQL.everyEvent()) e GROUP BY to_state ORDER BY to_state")
        #expect(
            events.map { "\($0["to_state"]!)=\($0["n"]!)" } == [
                "completed=\(total)", "created=\(total)", "enqueued=\(total + total / 10)",
                "in_process=\(total + total / 10)",
            ])
        await other.close()
    }
}
