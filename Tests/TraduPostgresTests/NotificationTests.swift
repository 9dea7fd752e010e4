import Testing
import TraduPostgres
import TraduTestSupport

@Suite struct NotificationTests {
    @Test func receivesNotificationWithPayload() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let listener = try await PostgresConnection.connect(url)
        let sender = try await PostgresConnection.connect(url)
        try await listener.listen("block-events")
        try await sender.notify("block-events", payload: "block 42 ✓")
        try await sender.notify("other-channel", payload: "ignored")
        let notifications = try await listener.waitForNotifications(timeout: .seconds(5))
        #expect(notifications.map(\.channel) == ["block-events"])
        #expect(notifications.map(\.payload) == ["block 42 ✓"])
        #expect(try await notifications.first?.senderPID == sender.backendPID)
    }

    @Test func waitsForALateNotification() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let listener = try await PostgresConnection.connect(url)
        let sender = try await PostgresConnection.connect(url)
        try await listener.listen("late")
        async let received = listener.waitForNotifications(timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(200))
        try await sender.notify("late", payload: "now")
        #expect(try await received.map(\.payload) == ["now"])
    }

    @Test func timeoutReturnsEmpty() async throws {
        let listener = try await PostgresConnection.connect(try await TestPostgres.shared.freshDatabase())
        try await listener.listen("quiet")
        let start = ContinuousClock.now
        let notifications = try await listener.waitForNotifications(timeout: .milliseconds(300))
        let waited = ContinuousClock.now - start
        #expect(notifications.isEmpty)
        #expect(waited >= .milliseconds(290))
    }

    @Test func unlistenStopsDelivery() async throws {
        let url = try await TestPostgres.shared.freshDatabase()
        let listener = try await PostgresConnection.connect(url)
        try await listener.listen("c")
        try await listener.unlisten("c")
        try await listener.notify("c", payload: "x")
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(100)).isEmpty)
    }
}
