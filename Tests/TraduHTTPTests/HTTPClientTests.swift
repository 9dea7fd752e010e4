import Foundation
import Synchronization
import Testing
import TraduHTTP
import TraduTestSupport

@Suite struct HTTPClientTests {
    let client = HTTPClient()

    @Test func getReturnsStatusBodyAndHeaders() async throws {
        let server = try TestHTTPServer { request in
            TestHTTPResponse(
                status: 200, headers: [("ETag", "\"v1\""), ("Last-Modified", "Tue, 01 Jul 2025 10:00:00 GMT")],
                text: "hello \(request.path)")
        }
        defer { server.stop() }
        let response = try await client.send(
            HTTPRequest(url: server.url("/data.jsonl?x=1"), headers: ["Authorization": "Bearer secret"]))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello /data.jsonl")
        #expect(response.headers["etag"] == "\"v1\"")
        #expect(response.headers["LAST-MODIFIED"] == "Tue, 01 Jul 2025 10:00:00 GMT")
        #expect(response.effectiveURL == server.url("/data.jsonl?x=1"))
        #expect(response.totalTime > .zero)
        let received = try #require(server.requests.first)
        #expect(received.method == "GET")
        #expect(received.query == "x=1")
        #expect(received.header("authorization") == "Bearer secret")
    }

    @Test func errorStatusIsAResponse() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(status: 404, text: "missing") }
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(url: server.url("/nope")))
        #expect(response.status == 404)
        #expect(response.bodyText == "missing")
        #expect(!response.isSuccess)
    }

    @Test func postBodyIsSent() async throws {
        let server = try TestHTTPServer { request in
            TestHTTPResponse(
                status: 201, headers: [("Content-Type", request.header("Content-Type") ?? "none")], body: request.body)
        }
        defer { server.stop() }
        let body: [UInt8] = Array(#"{"a":1}"#.utf8) + [0, 255] + Array(repeating: UInt8(ascii: "x"), count: 200_000)
        let response = try await client.send(
            HTTPRequest(
                method: .post, url: server.url("/echo"), headers: ["Content-Type": "application/json"], body: body))
        #expect(response.status == 201)
        #expect(response.body == body)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(server.requests.first?.method == "POST")
        #expect(server.requests.first?.header("Expect") == nil)
    }

    @Test func otherMethodsWithAndWithoutBody() async throws {
        let server = try TestHTTPServer { request in TestHTTPResponse(text: "\(request.method) \(request.bodyText)") }
        defer { server.stop() }
        let put = try await client.send(HTTPRequest(method: .put, url: server.url("/"), body: Array("doc".utf8)))
        #expect(put.bodyText == "PUT doc")
        let delete = try await client.send(HTTPRequest(method: .delete, url: server.url("/")))
        #expect(delete.bodyText == "DELETE ")
        let head = try await client.send(HTTPRequest(method: .head, url: server.url("/")))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
    }

    @Test func slowServerTimesOut() async throws {
        // The server would answer after 3 s: only a working 300 ms timeout yields `.timeout`.
        let server = try TestHTTPServer { _ in TestHTTPResponse(text: "late", delay: .seconds(3)) }
        defer { server.stop() }
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: server.url("/slow"), timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timeout)
    }

    @Test func oversizedBodyIsRejected() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(body: Array(repeating: 65, count: 100_000)) }
        defer { server.stop() }
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: server.url("/big"), maxResponseBytes: 10_000))
        }
        #expect(error?.kind == .tooLarge)
        let fits = try await client.send(HTTPRequest(url: server.url("/big"), maxResponseBytes: 100_000))
        #expect(fits.body.count == 100_000)
    }

    @Test func oversizedBodyWithoutContentLengthIsRejected() async throws {
        let server = try TestHTTPServer { _ in
            // No Content-Length: the body ends when the connection closes, so only the write callback can stop it.
            var response = TestHTTPResponse(body: Array(repeating: 65, count: 100_000))
            response.sendsContentLength = false
            return response
        }
        defer { server.stop() }
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: server.url("/big"), maxResponseBytes: 10_000))
        }
        #expect(error?.kind == .tooLarge)
    }

    @Test func redirectsAreFollowedAndBounded() async throws {
        let server = try TestHTTPServer { request in
            switch request.path {
            case "/a": .redirect(to: "/b")
            case "/b": .redirect(to: "/final", status: 301)
            case "/final": TestHTTPResponse(headers: [("X-Final", "yes")], text: "done")
            default: .redirect(to: "/loop")
            }
        }
        defer { server.stop() }
        let followed = try await client.send(HTTPRequest(url: server.url("/a")))
        #expect(followed.status == 200)
        #expect(followed.bodyText == "done")
        #expect(followed.effectiveURL == server.url("/final"))
        #expect(followed.headers["X-Final"] == "yes")
        #expect(followed.headers["Location"] == nil)

        let notFollowed = try await client.send(HTTPRequest(url: server.url("/a"), maxRedirects: 0))
        #expect(notFollowed.status == 302)
        #expect(notFollowed.headers["Location"] == "/b")

        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: server.url("/loop"), maxRedirects: 3))
        }
        #expect(error?.kind == .tooManyRedirects)
        #expect(server.requests.filter { $0.path == "/loop" }.count == 4)
    }

    @Test func closedPortIsConnectionRefused() async throws {
        let closed = try RefusingPort()
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(closed.port)/"))
        }
        #expect(error?.kind == .connectionRefused, "\(String(describing: error))")
        withExtendedLifetime(closed) {}
    }

    @Test func invalidURLsAreRejected() async throws {
        for url in ["file:///etc/passwd", "not a url", "ftp://example.com/x"] {
            let error = await #expect(throws: HTTPError.self) {
                _ = try await client.send(HTTPRequest(url: url))
            }
            #expect(error?.kind == .invalidURL, "\(url)")
        }
        let error = await #expect(throws: HTTPError.self) {
            _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:1/", headers: ["X-Bad": "a\r\nInjected: 1"]))
        }
        #expect(error?.kind == .invalidRequest)
    }

    @Test func retryAfterIsReadable() async throws {
        let server = try TestHTTPServer { _ in
            TestHTTPResponse(status: 429, headers: [("Retry-After", "7")], text: "slow down")
        }
        defer { server.stop() }
        let response = try await client.send(HTTPRequest(url: server.url("/v1/chat/completions")))
        #expect(response.status == 429)
        #expect(response.headers["retry-after"] == "7")
        #expect(response.retryAfter == .seconds(7))
    }

    @Test func concurrentRequestsDoNotBlockEachOther() async throws {
        // Each handler waits (up to 10 s) until all 8 requests have arrived: serialized requests would
        // answer "alone", concurrent ones "together". No wall-clock threshold involved.
        let arrived = Mutex(0)
        let server = try TestHTTPServer { request in
            arrived.withLock { $0 += 1 }
            let deadline = ContinuousClock.now + .seconds(10)
            while arrived.withLock({ $0 }) < 8, ContinuousClock.now < deadline { usleep(5_000) }
            let together = arrived.withLock { $0 } >= 8
            return TestHTTPResponse(text: together ? request.path : "alone")
        }
        defer { server.stop() }
        let bodies = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<8 {
                group.addTask { try await client.send(HTTPRequest(url: server.url("/\(index)"))).bodyText }
            }
            var bodies: [String] = []
            for try await body in group { bodies.append(body) }
            return bodies
        }
        #expect(Set(bodies) == Set((0..<8).map { "/\($0)" }))
    }

    @Test func cancellationAbortsTheTransfer() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(text: "late", delay: .seconds(5)) }
        defer { server.stop() }
        let task = Task { try await client.send(HTTPRequest(url: server.url("/slow"))) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        // The server answers after 5 s: a success here would mean the cancellation did not abort.
        let result = await task.result
        guard case .failure(let error as HTTPError) = result else {
            Issue.record("expected an HTTPError, got \(result)")
            return
        }
        #expect(error.kind == .cancelled)
    }
}
