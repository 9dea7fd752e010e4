import Testing
import TraduCore
import TraduPostgres

@testable import TraduStore

@Suite struct ApplyTests {
    @Test func applyWritesContentsBlocksEventsAndRevision() async throws {
        let store = try await StoreFixtures.freshStore()
        let before = try await store.environmentState()
        #expect(before.serial == 0)

        let applied = try await store.apply(
            ApplyBatch(
                expectedLineage: before.lineage, expectedSerial: 0,
                contents: [StoreFixtures.content("h1"), StoreFixtures.content("h2")],
                newBlocks: [
                    StoreFixtures.block("h1", "fr", ordinal: 0), StoreFixtures.block("h1", "de", ordinal: 0),
                    StoreFixtures.block("h2", "fr", ordinal: 1),
                ],
                pipelines: [
                    StoredPipeline(
                        name: "translate", dataset: "docs", specHash: "spec-1",
                        processingSpec: "{\"engine\":\"mock\"}", sizing: "{}", priority: 70)
                ],
                revision: StoreFixtures.revision("first", summary: "{\"add\":3}")))
        #expect(applied == AppliedRevision(number: 1, serial: 1))
        #expect(try await store.environmentState() == EnvironmentState(lineage: before.lineage, serial: 1))

        #expect(try await store.knownBlockHashes() == ["h1", "h2"])
        let stored = try await store.connection.query(
            "SELECT records, record_count, byte_count FROM block_contents WHERE hash = 'h1'")[0]
        #expect(stored["records"] == StoreFixtures.content("h1").records)
        #expect(try stored.int64("byte_count") == StoreFixtures.content("h1").byteCount)

        let blocks = try await store.blocks().sorted { $0.id < $1.id }
        #expect(
            blocks == [
                ExistingBlock(
                    id: "translate/h1/de", pipeline: "translate", blockHash: "h1", targetLanguage: "de",
                    specHash: "spec-1", state: .created, ordinal: 0),
                ExistingBlock(
                    id: "translate/h1/fr", pipeline: "translate", blockHash: "h1", targetLanguage: "fr",
                    specHash: "spec-1", state: .created, ordinal: 0),
                ExistingBlock(
                    id: "translate/h2/fr", pipeline: "translate", blockHash: "h2", targetLanguage: "fr",
                    specHash: "spec-1", state: .created, ordinal: 1),
            ])
        #expect(try await StoreFixtures.events(store, "translate/h2/fr") == ["nil>created:planned@0"])
        #expect(try await StoreFixtures.count(store, "block_events") == 3)
        let revisionOfBlocks = try await store.connection.query("SELECT DISTINCT revision FROM blocks")
        #expect(revisionOfBlocks.map { $0["revision"] } == ["1"])

        let pipelines = try await store.pipelines()
        #expect(pipelines.map(\.name) == ["translate"])
        #expect(pipelines.first?.generation == 1)
        #expect(pipelines.first?.priority == 70)
        #expect(pipelines.first?.processingSpec == "{\"engine\": \"mock\"}")

        let revision = try #require(try await store.latestRevision())
        #expect(revision.number == 1)
        #expect(revision.serial == 1)
        #expect(revision.manifestDigest == "sha256:manifests")
        #expect(revision.planDigest == "sha256:plan")
        #expect(revision.gitCommit == "abc123")
        #expect(revision.appliedBy == "alice@laptop")
        #expect(revision.message == "first")
        #expect(revision.summary == "{\"add\": 3}")
        #expect(revision.manifests == "{\"pipelines\": []}")
        #expect(revision.appliedAt.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil)
    }

    @Test func staleSerialIsRefusedAndWritesNothing() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")]))

        let error = await #expect(throws: StoreError.self) {
            try await store.apply(
                StoreFixtures.batch(
                    serial: 0, contents: [StoreFixtures.content("h2")], newBlocks: [StoreFixtures.block("h2", "fr")],
                    cancel: ["translate/h1/fr"], pipelines: [StoreFixtures.pipeline()]))
        }
        #expect(error == .staleSerial(current: 1, expected: 0))
        #expect(error?.isRejection == true)
        #expect(try await store.environmentState().serial == 1)
        #expect(try await store.knownBlockHashes() == ["h1"])
        #expect(try await store.blocks().map(\.state) == [.created])
        #expect(try await StoreFixtures.count(store, "block_events") == 1)
        #expect(try await StoreFixtures.count(store, "pipelines") == 0)
        #expect(try await store.revisions().count == 1)
    }

    @Test func otherLineageIsRefused() async throws {
        let store = try await StoreFixtures.freshStore()
        let lineage = try await store.environmentState().lineage
        let error = await #expect(throws: StoreError.self) {
            try await store.apply(
                StoreFixtures.batch(serial: 0, lineage: "00000000-0000-0000-0000-000000000000"))
        }
        #expect(error == .lineageMismatch(current: lineage, expected: "00000000-0000-0000-0000-000000000000"))
        #expect(error.map { "\($0)" }?.contains("recreated") == true)
        #expect(try await store.environmentState().serial == 0)
        #expect(try await store.revisions().isEmpty)
    }

    @Test func failureRollsBackEverything() async throws {
        let store = try await StoreFixtures.freshStore()
        // The block names a hash that is neither stored nor in the batch's contents.
        let error = await #expect(throws: StoreError.self) {
            try await store.apply(
                StoreFixtures.batch(
                    serial: 0, contents: [StoreFixtures.content("h1")],
                    newBlocks: [StoreFixtures.block("h1", "fr"), StoreFixtures.block("missing", "fr")],
                    pipelines: [StoreFixtures.pipeline()]))
        }
        // The database's refusal reaches the caller as a `StoreError`, classified, with the SQLSTATE.
        guard case .refused(let sqlState, _)? = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(sqlState == "23503", "a foreign key violation")
        #expect(error?.isTransient == false)
        #expect(try await store.environmentState().serial == 0)
        #expect(try await store.knownBlockHashes().isEmpty)
        #expect(try await store.blocks().isEmpty)
        #expect(try await StoreFixtures.count(store, "block_events") == 0)
        #expect(try await store.pipelines().isEmpty)
        #expect(try await store.revisions().isEmpty)

        // The connection is usable and the same plan, corrected, applies at the same serial.
        let applied = try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")]))
        #expect(applied == AppliedRevision(number: 1, serial: 1))
    }

    @Test func reprocessAndCancelUpdateStatesAndAppendEvents() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1"), StoreFixtures.content("h2")],
                newBlocks: [
                    StoreFixtures.block("h1", "fr"), StoreFixtures.block("h2", "fr"),
                    StoreFixtures.block("h2", "de"),
                ]))
        // A worker has the first block in process, on its second attempt.
        try await store.connection.query(
            "UPDATE blocks SET state = 'in_process', attempt = 2 WHERE id = 'translate/h1/fr'")

        let applied = try await store.apply(
            StoreFixtures.batch(
                serial: 1,
                reprocess: [
                    BlockReprocess(id: "translate/h1/fr", specHash: "spec-2", reason: "spec changed: engine.model"),
                    BlockReprocess(id: "translate/h2/fr", specHash: "spec-2", reason: "spec changed: prompt"),
                ],
                cancel: ["translate/h2/de"]))
        #expect(applied == AppliedRevision(number: 2, serial: 2))

        // The attempt keeps growing (it fences the worker still holding the block); the retry budget restarts.
        #expect(try await StoreFixtures.state(store, "translate/h1/fr") == ("created", 2, "spec-2"))
        let base = try await store.connection.query("SELECT attempt_base FROM blocks WHERE id = 'translate/h1/fr'")
        #expect(base[0]["attempt_base"] == "2")
        #expect(try await StoreFixtures.state(store, "translate/h2/fr") == ("created", 0, "spec-2"))
        #expect(try await StoreFixtures.state(store, "translate/h2/de") == ("cancelled", 0, "spec-1"))
        #expect(
            try await StoreFixtures.events(store, "translate/h1/fr") == [
                "nil>created:planned@0", "in_process>created:spec changed: engine.model@0",
            ])
        #expect(
            try await StoreFixtures.events(store, "translate/h2/fr") == [
                "nil>created:planned@0", "created>created:spec changed: prompt@0",
            ])
        #expect(
            try await StoreFixtures.events(store, "translate/h2/de") == [
                "nil>created:planned@0", "created>cancelled:left the manifests@0",
            ])

        // Cancelling again, or reprocessing a cancelled block, changes nothing and logs nothing.
        try await store.apply(
            StoreFixtures.batch(
                serial: 2, reprocess: [BlockReprocess(id: "translate/h2/de", specHash: "spec-3", reason: "x")],
                cancel: ["translate/h2/de", "no/such/block"]))
        #expect(try await StoreFixtures.state(store, "translate/h2/de") == ("cancelled", 0, "spec-1"))
        #expect(try await StoreFixtures.count(store, "block_events") == 6)
    }

    @Test func cancelKeepsTheAttemptInItsEvent() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")]))
        try await store.connection.query("UPDATE blocks SET state = 'failed', attempt = 3")
        try await store.apply(StoreFixtures.batch(serial: 1, cancel: ["translate/h1/fr"]))
        #expect(
            try await StoreFixtures.events(store, "translate/h1/fr") == [
                "nil>created:planned@0", "failed>cancelled:left the manifests@3",
            ])
    }

    @Test func cancelledBlockIsRestored() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")]))
        try await store.connection.query("UPDATE blocks SET attempt = 2")
        try await store.apply(StoreFixtures.batch(serial: 1, cancel: ["translate/h1/fr"]))

        // It comes back with a new spec; its content is already stored, so the batch has no contents.
        try await store.apply(
            StoreFixtures.batch(serial: 2, newBlocks: [StoreFixtures.block("h1", "fr", ordinal: 4, spec: "spec-9")]))
        #expect(try await StoreFixtures.state(store, "translate/h1/fr") == ("created", 2, "spec-9"))
        #expect(try await store.blocks().map(\.ordinal) == [4])
        #expect(
            try await StoreFixtures.events(store, "translate/h1/fr") == [
                "nil>created:planned@0", "created>cancelled:left the manifests@2", "cancelled>created:restored@0",
            ])
        let revision = try await store.connection.query("SELECT revision FROM blocks")[0]["revision"]
        #expect(revision == "3")
    }

    @Test func addingAnActiveBlockIsRefused() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: [StoreFixtures.content("h1")], newBlocks: [StoreFixtures.block("h1", "fr")]))
        try await store.connection.query("UPDATE blocks SET state = 'completed'")

        let error = await #expect(throws: StoreError.self) {
            try await store.apply(
                StoreFixtures.batch(
                    serial: 1, contents: [StoreFixtures.content("h2")],
                    newBlocks: [StoreFixtures.block("h2", "fr"), StoreFixtures.block("h1", "fr", spec: "spec-2")]))
        }
        #expect(error == .blockAlreadyActive(id: "translate/h1/fr", state: "completed"))
        #expect(try await StoreFixtures.state(store, "translate/h1/fr") == ("completed", 0, "spec-1"))
        #expect(try await store.knownBlockHashes() == ["h1"])
        #expect(try await StoreFixtures.count(store, "block_events") == 1)
        #expect(try await store.environmentState().serial == 1)
    }

    @Test func pipelineGenerationCountsChanges() async throws {
        let store = try await StoreFixtures.freshStore()
        try await store.apply(
            StoreFixtures.batch(serial: 0, pipelines: [StoreFixtures.pipeline(), StoreFixtures.pipeline("summarise")]))
        try await store.apply(
            StoreFixtures.batch(serial: 1, pipelines: [StoreFixtures.pipeline(), StoreFixtures.pipeline("summarise")]))
        #expect(try await store.pipelines().map(\.generation) == [1, 1])

        try await store.apply(StoreFixtures.batch(serial: 2, pipelines: [StoreFixtures.pipeline(spec: "spec-2")]))
        let pipelines = try await store.pipelines()
        #expect(pipelines.map(\.name) == ["summarise", "translate"])
        #expect(pipelines.map(\.generation) == [1, 2])
        #expect(pipelines.map(\.specHash) == ["spec-1", "spec-2"])

        try await store.apply(StoreFixtures.batch(serial: 3, removedPipelines: ["summarise"]))
        #expect(try await store.pipelines().map(\.name) == ["translate"])
    }

    @Test func contentsAreStreamedFromAnySequence() async throws {
        let store = try await StoreFixtures.freshStore()
        let source = OneShotContents(count: 50)
        let applied = try await store.apply(
            ApplyBatch(
                expectedLineage: nil, expectedSerial: 0, contents: source,
                newBlocks: NewBlockRows((0..<50).map { StoreFixtures.block("c\($0)", "fr", ordinal: $0) }),
                revision: StoreFixtures.revision()))
        #expect(applied.serial == 1)
        #expect(try await store.knownBlockHashes().count == 50)
    }
}

/// A single-pass, non-Sendable sequence, as a planner reading files would produce.
private final class OneShotContents: Sequence, IteratorProtocol {
    private var position = 0
    private let count: Int

    init(count: Int) {
        self.count = count
    }

    func next() -> BlockContentRow? {
        guard position < count else { return nil }
        defer { position += 1 }
        return StoreFixtures.content("c\(position)")
    }
}

@Suite struct ApplyVerificationTests {
    struct SourceChanged: Error {}

    @Test func failedContentVerificationRollsBack() async throws {
        let store = try await StoreFixtures.freshStore()
        await #expect(throws: SourceChanged.self) {
            try await store.apply(
                ApplyBatch(
                    expectedLineage: nil, expectedSerial: 0, contents: [StoreFixtures.content("h1")],
                    newBlocks: [StoreFixtures.block("h1", "fr")], revision: StoreFixtures.revision(),
                    verifyContents: { throw SourceChanged() }))
        }
        #expect(try await store.knownBlockHashes().isEmpty)
        #expect(try await store.environmentState().serial == 0)
    }
}
