import Testing
import TraduCore
import TraduTestSupport

@testable import TraduStore

/// Migration 24 (`roomForUpdates`): `blocks` leaves room on each page, so a block's transitions in a run write its
/// new row versions on the page it was stored on, where PostgreSQL logs only the changed part of the row.
@Suite struct RoomForUpdatesTests {
    /// Each block's page (the first number of its `ctid`), by id.
    static func pages(_ store: Store) async throws -> [String: Int] {
        let rows = try await store.connection.query("SELECT id, (ctid::text::point)[0]::int AS page FROM blocks")
        return Dictionary(
            uniqueKeysWithValues: try rows.map { (try $0.required("id"), try $0.required("page", Int.init)) })
    }

    @Test func blocksKeepRoomOnEachPage() async throws {
        let (store, _) = try await RuntimeFixtures.store(blocks: 1)
        let options = try await store.connection.query(
            "SELECT 'fillfactor=40' = ANY (reloptions) AS set FROM pg_class WHERE oid = 'blocks'::regclass")
        #expect(options[0]["set"] == "t")
    }

    /// Right after an apply every page has room for a second version of each of its rows, so the rotator's step,
    /// which takes blocks stored side by side, moves none. On full pages (the default fillfactor) every row of the
    /// step would move. (The claim and the completion find room once the versions they replace are pruned, which an
    /// older snapshot held elsewhere can delay: not asserted here.)
    @Test func theRotatorsStepKeepsEachBlockOnItsPage() async throws {
        let count = 400
        let (store, _) = try await RuntimeFixtures.store(blocks: count)
        let stored = try await Self.pages(store)
        #expect(Set(stored.values).count > 10, "the blocks fill many pages: \(Set(stored.values).count)")

        #expect(try await store.schedule([PipelineQuota(pipeline: "translate", limit: count)]) == ["translate": count])
        let scheduled = try await Self.pages(store)
        #expect(scheduled.keys.sorted() == stored.keys.sorted())
        let moved = scheduled.filter { stored[$0.key] != $0.value }.count
        #expect(moved == 0, "\(moved) of \(count) blocks left their page in the rotator's step")
    }
}
