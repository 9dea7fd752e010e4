import Synchronization
import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

/// Results stored without their documents' source (the form the worker writes, `ResultRecords`) reach every
/// reader with each line's source merged back from the block's content, byte for byte as a result that copied it.
@Suite struct ResultSourcesTests {
    /// A result of content `hash`'s two documents (`StoreFixtures.content`: "tab<TAB>here" and "ünï"), as the
    /// worker stores it, or with each document's source as the releases before this one did.
    static func records(_ hash: String, sources: Bool) -> String {
        let first = sources ? #""source":"tab\there","# : ""
        let second = sources ? #""source":"ünï","# : ""
        return #"{"id":"\#(hash)-1",\#(first)"translation":"on\"glet\""}"# + "\n"
            + #"{"id":"\#(hash)-2",\#(second)"translation":"ü"}"# + "\n"
    }

    /// Block 0's result is stored without the source, block 1's with it (as earlier releases wrote): exports, the
    /// export cursor, the API's result versions, the document API, sink deliveries and a rollout's sample all give
    /// both in the full form. Only the first costs a read of the block's documents.
    @Test func everyReaderOfResultsGetsTheSourceBack() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 2)
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 2)]) == ["translate": 2])
        let claimed = try await store.claim(instanceID: "w", limit: 2, leaseDuration: .seconds(60)).sorted {
            $0.id < $1.id
        }
        #expect(claimed.map(\.id) == ["translate/h0/fr", "translate/h1/fr"])
        var completions = claimed.map { RuntimeFixtures.completion($0, by: "w") }
        completions[0].records = Self.records("h0", sources: false)
        completions[1].records = Self.records("h1", sources: true)
        #expect(try await store.complete(completions) == Set(claimed.map(\.id)))
        let expected = [
            "translate/h0/fr": Self.records("h0", sources: true), "translate/h1/fr": Self.records("h1", sources: true),
        ]

        // Only the result stored without its sources needs its block's documents read.
        let stored = try await store.connection.query("SELECT block_id, records FROM results ORDER BY block_id")
        #expect(
            ResultSources.blocksLackingSources(stored.map { $0["records"] }, of: stored.compactMap { $0["block_id"] })
                == ["translate/h0/fr"])

        let exported = try await store.results(pipeline: "translate")
        #expect(Dictionary(uniqueKeysWithValues: exported.map { ($0.blockID, $0.records) }) == expected)
        let batched = Batches()
        try await store.forEachResultBatch(pipeline: nil, batchSize: 1) { rows in batched.add(rows) }
        #expect(batched.records == expected)

        for (id, records) in expected {
            #expect(try await store.resultVersions(blockID: id).map(\.records) == [records])
        }
        let onContents = try await store.blocks(onContents: ["h0", "h1"])
        #expect(
            Dictionary(uniqueKeysWithValues: onContents.map { ($0.block.id, $0.resultRecords ?? "") }) == expected)

        #expect(try await store.enqueueDeliveries([(pipeline: "translate", sink: "hook")]) == 2)
        let deliveries = try await store.dueDeliveries(limit: 10)
        #expect(Dictionary(uniqueKeysWithValues: deliveries.map { ($0.blockID, $0.records) }) == expected)

        let rolloutID = try #require(
            try await store.connection.query(
                """
                INSERT INTO rollouts (pipeline, revision, baseline_spec_hash, canary_spec_hash, canary_spec, spec,
                                      phase)
                VALUES ('translate', 1, 'spec-1', 'spec-1', '{}', $1::jsonb, 'completed') RETURNING id
                """, [RolloutSpec(steps: [1]).json.encoded()])[0]["id"])
        try await store.connection.query(
            "INSERT INTO rollout_blocks (rollout_id, block_id, step) SELECT $1::bigint, id, 0 FROM blocks",
            [rolloutID])
        let rollout = try #require(try await store.rollout(id: Int64(rolloutID)!))
        let sample = try await store.rolloutSample(rollout)
        #expect(Dictionary(uniqueKeysWithValues: sample.map { ($0.blockID, $0.canaryRecords ?? "") }) == expected)
        #expect(Dictionary(uniqueKeysWithValues: sample.map { ($0.blockID, $0.baselineRecords ?? "") }) == expected)
    }

    /// A document the block's content does not hold (the record names another id) keeps its line as stored.
    @Test func aLineWhoseDocumentTheContentLacksStaysAsStored() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 1)
        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: 1)]) == ["translate": 1])
        let claimed = try await store.claim(instanceID: "w", limit: 1, leaseDuration: .seconds(60))
        var completion = RuntimeFixtures.completion(try #require(claimed.first), by: "w")
        let elsewhere = #"{"id":"elsewhere","translation":"x"}"# + "\n"
        completion.records = elsewhere + #"{"id":"h0-2","translation":"y"}"# + "\n"
        #expect(try await store.complete([completion]).count == 1)
        let expected = elsewhere + #"{"id":"h0-2","source":"ünï","translation":"y"}"# + "\n"
        #expect(try await store.results().map(\.records) == [expected])
        let batched = Batches()
        try await store.forEachResultBatch(pipeline: nil) { rows in batched.add(rows) }
        #expect(Array(batched.records.values) == [expected])
    }
}

/// Rows an export cursor hands over, from its callback.
private final class Batches: Sendable {
    private let rows = Mutex<[ResultRow]>([])
    func add(_ batch: [ResultRow]) { rows.withLock { $0 += batch } }
    var records: [String: String] {
        rows.withLock { rows in Dictionary(uniqueKeysWithValues: rows.map { ($0.blockID, $0.records) }) }
    }
}
