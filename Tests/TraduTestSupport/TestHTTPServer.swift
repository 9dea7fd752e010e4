import Foundation
import Glibc
import Synchronization

/// A request as the test server received it.
public struct TestHTTPRequest: Sendable {
    public var method: String
    /// The request target as sent: path and query.
    public var target: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The target without its query.
    public var path: String { String(target.prefix { $0 != "?" }) }

    /// The query after `?`, if any.
    public var query: String? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        return String(target[target.index(after: mark)...])
    }

    /// The first value of a header, any case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What the test server answers. `Content-Length` and `Connection: close` are added unless given.
public struct TestHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Waited before answering, to simulate slow servers and timeouts.
    public var delay: Duration
    /// Close the connection without answering at all, to simulate a crashed server.
    public var dropConnection: Bool
    /// When false, no `Content-Length` is sent and the body ends when the connection closes.
    public var sendsContentLength = true

    public init(
        status: Int = 200, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        delay: Duration = .zero, dropConnection: Bool = false
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.dropConnection = dropConnection
    }

    public init(
        status: Int = 200, headers: [(name: String, value: String)] = [], text: String, delay: Duration = .zero
    ) {
        self.init(status: status, headers: headers, body: Array(text.utf8), delay: delay)
    }

    public static func json(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = [])
        -> TestHTTPResponse
    {
        TestHTTPResponse(status: status, headers: [("Content-Type", "application/json")] + headers, text: text)
    }

    public static func redirect(to location: String, status: Int = 302) -> TestHTTPResponse {
        TestHTTPResponse(status: status, headers: [("Location", location)])
    }
}

public struct TestHTTPServerError: Error, CustomStringConvertible {
    public var description: String
}

/// A real HTTP/1.1 server on 127.0.0.1 and a free port, for tests: every connection gets its own thread, is
/// answered by the handler, then closed. Requests are recorded in arrival order.
///
/// Supports request bodies with `Content-Length` or `Transfer-Encoding: chunked`; no keep-alive, no TLS.
/// Call `stop()` when done: the accept thread keeps the server alive until then.
public final class TestHTTPServer: Sendable {
    public typealias Handler = @Sendable (TestHTTPRequest) -> TestHTTPResponse

    private struct State {
        var handler: Handler
        var requests: [TestHTTPRequest] = []
        var stopped = false
    }

    public let port: Int
    private let listener: Int32
    private let state: Mutex<State>
    private let acceptLoopEnded = DispatchSemaphore(value: 0)

    public init(handler: @escaping Handler = { _ in TestHTTPResponse(status: 404) }) throws {
        state = Mutex(State(handler: handler))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestHTTPServerError(description: "socket: \(Self.errorText())") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let text = Self.errorText()
            close(fd)
            throw TestHTTPServerError(description: "bind/listen: \(text)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:PORT`
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// An absolute URL on this server; `path` starts with `/`.
    public func url(_ path: String) -> String { baseURL + path }

    /// Replaces the handler for the requests that arrive from now on.
    public func setHandler(_ handler: @escaping Handler) {
        state.withLock { $0.handler = handler }
    }

    /// Every request received so far, in arrival order.
    public var requests: [TestHTTPRequest] { state.withLock { $0.requests } }

    /// Stops accepting connections and closes the port before returning. Idempotent.
    public func stop() {
        let wasRunning = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        if wasRunning { acceptLoopEnded.wait() }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        defer {
            close(listener)
            acceptLoopEnded.signal()
        }
        while !isStopped {
            var pollFD = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pollFD, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var reader = TestHTTPConnectionReader(fd: connection)
        guard let request = reader.readRequest() else { return }
        let handler = state.withLock { state in
            state.requests.append(request)
            return state.handler
        }
        let response = handler(request)
        let deadline = ContinuousClock.now + response.delay
        while ContinuousClock.now < deadline, !isStopped {
            usleep(10_000)
        }
        if response.dropConnection || isStopped { return }
        write(response, to: connection, includeBody: request.method != "HEAD")
        shutdown(connection, Int32(SHUT_WR))
    }

    private func write(_ response: TestHTTPResponse, to connection: Int32, includeBody: Bool) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        let names = Set(response.headers.map { $0.name.lowercased() })
        for header in response.headers { head += "\(header.name): \(header.value)\r\n" }
        if response.sendsContentLength && !names.contains("content-length") {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        if !names.contains("connection") { head += "Connection: close\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody { bytes += response.body }
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a client that gave up must not kill the test process with SIGPIPE.
            let sent = bytes[offset...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return }
            offset += sent
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
