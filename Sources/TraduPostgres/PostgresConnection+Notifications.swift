import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

extension PostgresConnection {
    /// Starts listening on `channel`; remembered and re-issued after a reconnect.
    public func listen(_ channel: String) throws {
        try executeAlone("LISTEN \(try PostgresQuoting.identifier(channel))")
        if !listenedChannels.contains(channel) { listenedChannels.append(channel) }
    }

    public func unlisten(_ channel: String) throws {
        try executeAlone("UNLISTEN \(try PostgresQuoting.identifier(channel))")
        listenedChannels.removeAll { $0 == channel }
    }

    /// Sends a notification (delivered when the sender's transaction commits).
    public func notify(_ channel: String, payload: String = "") throws {
        try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Returns the notifications already received, or waits up to `timeout` for some; empty after the timeout.
    ///
    /// This blocks the connection's thread while it waits, so use a connection dedicated to listening.
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        let connection = try connection()
        try consumeInput(connection)
        var received = drainNotifications(connection)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while received.isEmpty {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return [] }
            let socket = PQsocket(connection)
            guard socket >= 0 else {
                throw LibPQResult.connectionError(connection, fallback: "connection has no socket")
            }
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            // Round up so a sub-millisecond remainder does not spin; cap so huge timeouts fit poll's int.
            let milliseconds = min((remaining / .milliseconds(1)).rounded(.up), Double(Int32.max))
            let ready = poll(&descriptor, 1, Int32(milliseconds))
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(kind: .connection, message: "poll failed: \(String(cString: strerror(errno)))")
            }
            if ready == 0 { continue }
            try consumeInput(connection)
            received = drainNotifications(connection)
        }
        return received
    }

    private func consumeInput(_ connection: OpaquePointer) throws {
        if PQconsumeInput(connection) == 0 || PQstatus(connection) == CONNECTION_BAD {
            // A failed read of the socket is a connection failure even while libpq still says CONNECTION_OK.
            var error = LibPQResult.connectionError(
                connection, fallback: "connection lost while waiting for notifications")
            error.kind = .connection
            throw error
        }
    }

    private func drainNotifications(_ connection: OpaquePointer) -> [PostgresNotification] {
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(connection) {
            notifications.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                    senderPID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return notifications
    }
}
