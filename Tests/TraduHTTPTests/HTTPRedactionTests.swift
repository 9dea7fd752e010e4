import Testing
import TraduHTTP

@Suite struct HTTPRedactionTests {
    @Test func errorsHideCredentialsAndQueries() {
        let error = HTTPError(.timeout, "timed out", url: "https://user:pw@example.com/data?sig=abc#frag")
        #expect(error.url == "https://example.com/data?<redacted>")
        #expect(!error.description.contains("pw"))
        #expect(!error.description.contains("abc"))
    }

    @Test func requestAndHeaderDescriptionsHideSecrets() {
        let request = HTTPRequest(
            method: .post, url: "https://api.example.com/v1?key=k", headers: ["Authorization": "Bearer sk-123"])
        #expect(request.description == "POST https://api.example.com/v1?<redacted>")
        #expect(request.headers.description == "[Authorization: <redacted>]")
    }

    @Test func headerLookupIgnoresCase() {
        var headers: HTTPHeaders = ["Content-Type": "a", "Set-Cookie": "x"]
        headers.add(name: "set-cookie", value: "y")
        #expect(headers["content-type"] == "a")
        #expect(headers.values(for: "SET-COOKIE") == ["x", "y"])
        headers["CONTENT-TYPE"] = "b"
        #expect(headers.values(for: "content-type") == ["b"])
    }
}
