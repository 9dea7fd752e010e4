import Testing
import TraduPostgres
import TraduTestSupport

@testable import TraduStore

@Suite struct EnvironmentLockTests {
    /// Two stores on one environment: two connections, as two tradu processes would have.
    private func twoStores() async throws -> (Store, Store) {
        let url = try await TestPostgres.shared.freshDatabase()
        return (try await Store.open(url: url, environment: "dev"), try await Store.open(url: url, environment: "dev"))
    }

    @Test func secondHolderIsRefusedWithTheHolderNamed() async throws {
        let (alice, bob) = try await twoStores()
        let handle = try await alice.lock.acquire(
            holder: "apply by alice@ci-7", host: "ci-7", pid: 4242, ttl: .seconds(600), waitUpTo: .zero)
        #expect(handle.holder == "apply by alice@ci-7")

        let error = await #expect(throws: StoreError.self) {
            try await bob.lock.acquire(
                holder: "apply by bob@laptop", host: "laptop", pid: 7, ttl: .seconds(600),
                waitUpTo: .milliseconds(300))
        }
        #expect(
            error == .lockHeld(holder: "apply by alice@ci-7", host: "ci-7", pid: 4242, acquiredAt: handle.acquiredAt))
        #expect(error?.isRejection == true)
        #expect(
            error.map { "\($0)" }
                == "environment lock is held by apply by alice@ci-7 (host ci-7, pid 4242) since \(handle.acquiredAt)")

        #expect(try await alice.lock.release(handle))
        let bobs = try await bob.lock.acquire(
            holder: "apply by bob@laptop", host: "laptop", pid: 7, ttl: .seconds(600), waitUpTo: .zero)
        #expect(try await bob.lock.currentHolder() == bobs)
        #expect(bobs.token != handle.token)
    }

    @Test func waiterGetsTheLockWhenItIsReleased() async throws {
        let (alice, bob) = try await twoStores()
        let handle = try await alice.lock.acquire(
            holder: "alice", host: "a", pid: 1, ttl: .seconds(600), waitUpTo: .zero)
        let waiter = Task {
            try await bob.lock.acquire(holder: "bob", host: "b", pid: 2, ttl: .seconds(600), waitUpTo: .seconds(60))
        }
        try await Task.sleep(for: .milliseconds(100))
        try await alice.lock.release(handle)
        #expect(try await waiter.value.holder == "bob")
    }

    @Test func expiredLeaseIsTakenOver() async throws {
        let (alice, bob) = try await twoStores()
        let stale = try await alice.lock.acquire(
            holder: "apply by alice", host: "a", pid: 1, ttl: .seconds(600), waitUpTo: .zero)
        // Alice's process died and her lease ran out.
        try await alice.connection.query("UPDATE environment_lock SET expires_at = now() - interval '1 second'")

        let bobs = try await bob.lock.acquire(
            holder: "apply by bob", host: "b", pid: 2, ttl: .seconds(600), waitUpTo: .zero)
        #expect(bobs.holder == "apply by bob")

        // Alice coming back can neither release nor renew Bob's lock.
        #expect(try await alice.lock.release(stale) == false)
        #expect(try await alice.lock.renew(stale, ttl: .seconds(600)) == nil)
        #expect(try await alice.lock.currentHolder()?.token == bobs.token)

        let renewed = try #require(try await bob.lock.renew(bobs, ttl: .seconds(1200)))
        #expect(renewed.token == bobs.token)
        #expect(renewed.expiresAt > bobs.expiresAt)
        #expect(try await bob.lock.release(renewed))
        #expect(try await bob.lock.currentHolder() == nil)
    }

    @Test func locksOfDifferentEnvironmentsAreIndependent() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let dev = try await Store.open(url: url, environment: "dev")
        let prod = try await Store.open(url: url, environment: "prod")
        _ = try await dev.lock.acquire(holder: "dev", host: "h", pid: 1, ttl: .seconds(600), waitUpTo: .zero)
        let handle = try await prod.lock.acquire(holder: "prod", host: "h", pid: 1, ttl: .seconds(600), waitUpTo: .zero)
        #expect(handle.holder == "prod")
    }
}
