import Testing
import TraduCore
import TraduHTTP
import TraduSources
import TraduTestSupport

@Suite struct URLSourceTests {
    @Test func fetchesJSONLWithValidators() async throws {
        let server = try TestHTTPServer { _ in
            TestHTTPResponse(
                headers: [("ETag", "\"v7\""), ("Last-Modified", "Tue, 01 Jul 2025 10:00:00 GMT")],
                text: "{\"id\": \"a\", \"text\": \"one\"}\n{\"id\": \"b\", \"text\": \"two\"}\n")
        }
        defer { server.stop() }
        let project = try TestProject()
        let (records, stream) = try await project.readAll(makeDataset(.url(server.url("/corpus.jsonl?sig=secret"))))
        #expect(records.map(\.text) == ["one", "two"])
        #expect(records.first?.location.description == server.url("/corpus.jsonl?<redacted>") + ":1:1")
        #expect(
            stream.fingerprint
                == .url(
                    SourceFingerprint.URLStamp(
                        url: server.url("/corpus.jsonl?<redacted>"), etag: "\"v7\"",
                        lastModified: "Tue, 01 Jul 2025 10:00:00 GMT", contentLength: 54)))
        #expect(server.requests.first?.target == "/corpus.jsonl?sig=secret")
    }

    @Test func errorStatusNamesStatusAndRedactedURL() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(status: 404, text: "missing") }
        defer { server.stop() }
        let project = try TestProject()
        let error = await #expect(throws: SourceError.self) {
            _ = try await project.reader(makeDataset(.url(server.url("/gone.jsonl?token=abc")))).open()
        }
        #expect(error?.kind == .http)
        #expect(
            error?.diagnostic.message
                == "dataset 'docs': source.url \(server.url("/gone.jsonl?<redacted>")) answered HTTP status 404")
        #expect(error?.description.contains("abc") == false)
    }

    @Test func slowServerTimesOut() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(text: "late", delay: .seconds(3)) }
        defer { server.stop() }
        let project = try TestProject()
        let reader = DatasetReader(
            dataset: makeDataset(.url(server.url("/slow.jsonl"))), projectRoot: project.root,
            httpClient: HTTPClient(), fetchTimeout: .milliseconds(300))
        let error = await #expect(throws: SourceError.self) { _ = try await reader.open() }
        #expect(error?.kind == .timeout)
        #expect(
            error?.diagnostic.message
                == "dataset 'docs': fetching source.url \(server.url("/slow.jsonl")) timed out after 300ms")
    }
}
