import TraduPostgres
import TraduTestSupport

@testable import TraduStore

/// Environments with blocks ready for the runtime tests. Time is moved by rewriting timestamps, never by sleeping.
enum RuntimeFixtures {
    /// `body`'s answer from a transaction that is then rolled back: the statements run, nothing they did is kept.
    static func rolledBack<T: Sendable>(
        _ store: Store, _ body: @Sendable (isolated PostgresConnection) throws -> T
    ) async throws -> T {
        do {
            _ = try await store.connection.transaction { connection -> Int in
                throw RolledBack(answer: try body(connection))
            }
        } catch let rolledBack as RolledBack<T> {
            return rolledBack.answer
        }
        throw NotRolledBack()
    }

    /// Thrown to roll a transaction back once it has answered.
    private struct RolledBack<T: Sendable>: Error {
        var answer: T
    }

    private struct NotRolledBack: Error {}

    /// A fresh environment with `count` blocks per pipeline (ordinals 0..<count, language `fr`), all `created`.
    /// `eventsAsRows`: the store writes every event as a row of `block_events`, whatever form this release's hot
    /// transitions write (`Store.writesEventChunks`), for tests of the rows themselves.
    static func store(blocks count: Int, pipelines: [String] = ["translate"], eventsAsRows: Bool = false)
        async throws -> (store: Store, url: String)
    {
        let url = try await TestPostgres.shared.freshDatabase()
        var store = try await Store.open(url: url, environment: "dev")
        if eventsAsRows { store.writesEventChunks = false }
        let contents = (0..<count).map { StoreFixtures.content("h\($0)") }
        let blocks = pipelines.flatMap { pipeline in
            (0..<count).map { StoreFixtures.block("h\($0)", "fr", pipeline: pipeline, ordinal: $0) }
        }
        try await store.apply(
            StoreFixtures.batch(
                serial: 0, contents: contents, newBlocks: blocks,
                pipelines: pipelines.map { StoreFixtures.pipeline($0) }))
        return (store, url)
    }

    /// Like `store(blocks:)`, with every block scheduled (`enqueued`).
    static func enqueued(blocks count: Int, pipelines: [String] = ["translate"], eventsAsRows: Bool = false)
        async throws -> (store: Store, url: String)
    {
        let opened = try await store(blocks: count, pipelines: pipelines, eventsAsRows: eventsAsRows)
        try await opened.store.schedule(pipelines.map { PipelineQuota(pipeline: $0, limit: count) })
        return opened
    }

    static func id(_ index: Int, pipeline: String = "translate") -> String {
        "\(pipeline)/h\(index)/fr"
    }

    /// Moves the lease of the given blocks (or all) into the past.
    static func expireLeases(_ store: Store, _ ids: [String]? = nil) async throws {
        try await backdate(store, "lease_expires_at", ids)
    }

    static func backdate(_ store: Store, _ column: String, _ ids: [String]? = nil, by interval: String = "1 hour")
        async throws
    {
        let filter = ids.map { "{" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "}" }
        try await store.connection.query(
            """
            UPDATE blocks SET \(column) = now() - $1::interval
            WHERE CASE WHEN $2::text[] IS NULL THEN state = 'in_process' ELSE id = ANY($2::text[]) END
            """, [interval, filter])
    }

    /// The completion a worker sends for `block`, with the revision it claimed the block under.
    static func completion(_ block: ClaimedBlock, by instance: String, text: String = "done") -> CompletedBlock {
        var completion = CompletedBlock(
            id: block.id, attempt: block.attempt, instanceID: instance, pipeline: block.pipeline,
            targetLanguage: block.targetLanguage, records: "{\"id\":\"\(block.id)\",\"translation\":\"\(text)\"}\n",
            inputTokens: 10, outputTokens: 12, memoryHits: 1)
        completion.revision = block.revision
        return completion
    }

    static func column(_ store: Store, _ id: String, _ column: String) async throws -> String? {
        try await store.connection.query("SELECT \(column)::text AS v FROM blocks WHERE id = $1", [id]).first?["v"]
    }
}
