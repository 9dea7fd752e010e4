import Foundation
import Testing
import TraduCore
import TraduEngines
import TraduHTTP
import TraduTestSupport

@Suite struct OpenAIEngineTests {
    let client = HTTPClient()
    let secret = "sk-test-0123456789abcdef"

    private func makeEngine(
        _ server: TestHTTPServer, timeout: DurationValue = .seconds(10), prompt: String? = nil,
        temperature: Double? = nil
    ) throws -> any TranslationEngine {
        try makeEngine(baseURL: server.baseURL, timeout: timeout, prompt: prompt, temperature: temperature)
    }

    private func makeEngine(
        baseURL: String, timeout: DurationValue = .seconds(10), prompt: String? = nil, temperature: Double? = nil,
        responseFormat: Engine.ResponseFormat = .jsonSchema
    ) throws -> any TranslationEngine {
        let engine = EngineFixtures.engine(
            .openai, name: "gpt", model: "gpt-test", endpoint: baseURL + "/v1/", apiKeyVariable: "OPENAI_API_KEY",
            prompt: prompt, timeout: timeout, temperature: temperature, responseFormat: responseFormat)
        return try EngineFactory.make(engine, environment: ["OPENAI_API_KEY": secret], httpClient: client)
    }

    private func failure(
        _ engine: any TranslationEngine, _ request: TranslationRequest = EngineFixtures.request([("a", "Hello")])
    ) async -> BlockFailure? {
        do {
            _ = try await engine.translate(request)
            return nil
        } catch {
            return error
        }
    }

    /// A server translating each segment of the user message to upper case.
    private static func upperCasingServer() throws -> TestHTTPServer {
        try TestHTTPServer { request in
            let body = EngineFixtures.parse(request.bodyText)
            let messages = body["messages"] as? [[String: Any]] ?? []
            let user = EngineFixtures.parse(messages.last?["content"] as? String ?? "")
            let segments = user["segments"] as? [[String: String]] ?? []
            let content = EngineFixtures.translations(segments.map { ($0["id"]!, $0["text"]!.uppercased()) })
            return .json(EngineFixtures.completion(content: content, promptTokens: 42, completionTokens: 17))
        }
    }

    @Test func translatesABatchAndReportsUsage() async throws {
        let server = try Self.upperCasingServer()
        defer { server.stop() }
        let engine = try makeEngine(server, temperature: 0.2)
        let response = try await engine.translate(
            EngineFixtures.request([("doc-1", "Hello {name}"), ("doc-2", "<b>bye</b>"), ("doc-3", "a/b \"q\"")]))
        #expect(response.translations == ["doc-1": "HELLO {NAME}", "doc-2": "<B>BYE</B>", "doc-3": "A/B \"Q\""])
        #expect(response.inputTokens == 42)
        #expect(response.outputTokens == 17)
    }

    @Test func sendsModelMessagesAndTheKeyFromTheEnvironment() async throws {
        let server = try Self.upperCasingServer()
        defer { server.stop() }
        let engine = try makeEngine(server, prompt: "Translate from {{sourceLanguage}} into {{ targetLanguage }}.")
        _ = try await engine.translate(EngineFixtures.request([("x", "Hi")], from: "en", to: "de"))
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.path == "/v1/chat/completions")
        #expect(received.header("Authorization") == "Bearer \(secret)")
        #expect(received.header("Content-Type") == "application/json")
        let body = EngineFixtures.parse(received.bodyText)
        #expect(body["model"] as? String == "gpt-test")
        #expect(body["temperature"] == nil)
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["system", "user"])
        let system = try #require(messages[0]["content"])
        #expect(system.hasPrefix("Translate from en into de."))
        #expect(system.contains(#"{"translations":[{"id":"...","text":"..."}]}"#))
        #expect(messages[1]["content"] == #"{"segments":[{"id":"x","text":"Hi"}]}"#)
    }

    /// `jsonSchema` (the default): a strict schema whose ids are exactly the request's.
    @Test func structuredOutputsSendAStrictSchemaWithTheIdsAsAnEnum() async throws {
        let server = try Self.upperCasingServer()
        defer { server.stop() }
        _ = try await makeEngine(server).translate(EngineFixtures.request([("doc-1", "Hi"), ("doc-2", "Bye")]))
        let body = EngineFixtures.parse(try #require(server.requests.first).bodyText)
        let format = try #require(body["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_schema")
        let wrapper = try #require(format["json_schema"] as? [String: Any])
        #expect(wrapper["strict"] as? Bool == true)
        #expect(wrapper["name"] as? String == "translations")
        let schema = try #require(wrapper["schema"] as? [String: Any])
        #expect(schema["additionalProperties"] as? Bool == false)
        #expect(schema["required"] as? [String] == ["translations"])
        let items = try #require(
            ((schema["properties"] as? [String: Any])?["translations"] as? [String: Any])?["items"] as? [String: Any])
        #expect(items["required"] as? [String] == ["id", "text"])
        #expect(items["additionalProperties"] as? Bool == false)
        let id = try #require((items["properties"] as? [String: Any])?["id"] as? [String: Any])
        #expect(id["enum"] as? [String] == ["doc-1", "doc-2"])
    }

    /// `jsonObject`: llama-cpp-python's `{"type": "json_object", "schema": ...}`.
    @Test func jsonObjectSendsTheSchemaInLlamaCppPythonsForm() async throws {
        let server = try Self.upperCasingServer()
        defer { server.stop() }
        _ = try await makeEngine(baseURL: server.baseURL, responseFormat: .jsonObject)
            .translate(EngineFixtures.request([("a", "Hi")]))
        let body = EngineFixtures.parse(try #require(server.requests.first).bodyText)
        let format = try #require(body["response_format"] as? [String: Any])
        #expect(format["type"] as? String == "json_object")
        let schema = try #require(format["schema"] as? [String: Any])
        let items = (schema["properties"] as? [String: Any])?["translations"] as? [String: Any]
        let id = ((items?["items"] as? [String: Any])?["properties"] as? [String: Any])?["id"] as? [String: Any]
        #expect(id?["enum"] as? [String] == ["a"])
    }

    /// `text`: the segment's text is the user message and the answer's content is the translation, trimmed of
    /// the padding models add but keeping the source's own surrounding whitespace.
    @Test func textSendsTheSegmentAloneAndTakesTheAnswerAsItIs() async throws {
        let server = try TestHTTPServer { request in
            let body = EngineFixtures.parse(request.bodyText)
            let user = (body["messages"] as? [[String: Any]])?.last?["content"] as? String ?? ""
            return .json(EngineFixtures.completion(content: "\n  " + user.uppercased() + "  \n"))
        }
        defer { server.stop() }
        let engine = try makeEngine(baseURL: server.baseURL, responseFormat: .text)
        let response = try await engine.translate(EngineFixtures.request([("a", "Hello {name}\n")]))
        #expect(response.translations == ["a": "HELLO {NAME}\n"])
        let body = EngineFixtures.parse(try #require(server.requests.first).bodyText)
        #expect(body["response_format"] == nil)
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages[1]["content"] == "Hello {name}\n")
        #expect(messages[0]["content"]?.contains("Answer with only its translation") == true)
        #expect(messages[0]["content"]?.contains("segments") == false)
    }

    /// A server without structured outputs refuses the request with a 400: the error says which setting to change.
    @Test func aServerRefusingTheFormatGetsALogicErrorNamingTheSetting() async throws {
        let server = try TestHTTPServer { request in
            let body = EngineFixtures.parse(request.bodyText)
            if body["response_format"] != nil {
                return TestHTTPResponse(
                    status: 400, text: #"{"error":{"message":"response_format json_schema is not supported"}}"#)
            }
            return .json(EngineFixtures.completion(content: "Bonjour"))
        }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .logic)
        #expect(failure.message.contains("response_format json_schema is not supported"))
        #expect(failure.message.contains("set spec.responseFormat on engine 'gpt' to jsonObject or text"))
        let text = try makeEngine(baseURL: server.baseURL, responseFormat: .text)
        #expect(try await text.translate(EngineFixtures.request([("a", "Hello")])).translations == ["a": "Bonjour"])
    }

    @Test func defaultPromptAndTemperature() async throws {
        let server = try Self.upperCasingServer()
        defer { server.stop() }
        let engine = try makeEngine(server, temperature: 0.3)
        _ = try await engine.translate(EngineFixtures.request([("x", "Hi")], to: "ja"))
        let body = EngineFixtures.parse(try #require(server.requests.first).bodyText)
        #expect(body["temperature"] as? Double == 0.3)
        let system = try #require((body["messages"] as? [[String: String]])?.first?["content"])
        #expect(system.contains("from en to ja"))
        #expect(!system.contains("{{"))
    }

    @Test func acceptsAFencedAnswer() async throws {
        let content = "```json\n" + EngineFixtures.translations([("a", "Bonjour")]) + "\n```"
        let server = try TestHTTPServer { _ in .json(EngineFixtures.completion(content: content)) }
        defer { server.stop() }
        let response = try await makeEngine(server).translate(EngineFixtures.request([("a", "Hello")]))
        #expect(response.translations == ["a": "Bonjour"])
    }

    @Test func serverErrorIsADependencyFailure() async throws {
        let server = try TestHTTPServer { _ in .json(#"{"error":{"message":"overloaded"}}"#, status: 500) }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .dependency)
        #expect(failure.message.contains("HTTP 500: overloaded"))
        #expect(failure.message.contains("engine 'gpt'"))
    }

    @Test func rateLimitIsACapacityFailureWithRetryAfter() async throws {
        let server = try TestHTTPServer { _ in
            .json(#"{"error":{"message":"slow down"}}"#, status: 429, headers: [("Retry-After", "7")])
        }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .capacity)
        #expect(failure.retryAfter == .seconds(7))
    }

    @Test func hangingServerTimesOutAsADependencyFailure() async throws {
        let server = try TestHTTPServer { _ in TestHTTPResponse(text: "late", delay: .seconds(5)) }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server, timeout: DurationValue(milliseconds: 300))))
        #expect(failure.errorClass == .dependency)
        #expect(failure.message.contains("timed out"))
    }

    @Test func refusedConnectionIsADependencyFailure() async throws {
        let closed = try RefusingPort()
        let failure = try #require(await failure(try makeEngine(baseURL: "http://127.0.0.1:\(closed.port)")))
        #expect(failure.errorClass == .dependency)
        withExtendedLifetime(closed) {}
    }

    @Test func malformedBodyIsADataFailure() async throws {
        let server = try TestHTTPServer { _ in .json("{not json") }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .data)
    }

    @Test func contentOfTheWrongShapeIsADataFailure() async throws {
        let server = try TestHTTPServer { _ in .json(EngineFixtures.completion(content: "Bonjour")) }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .data)
        #expect(failure.message.contains("Bonjour"))
    }

    @Test func missingAndUnknownSegmentsAreDataFailures() async throws {
        let server = try TestHTTPServer { _ in
            .json(EngineFixtures.completion(content: EngineFixtures.translations([("a", "Un"), ("zzz", "?")])))
        }
        defer { server.stop() }
        let request = EngineFixtures.request([("a", "One"), ("b", "Two")])
        let failure = try #require(await failure(try makeEngine(server), request))
        #expect(failure.errorClass == .data)
        #expect(failure.message.contains("is missing segment id 'b'"))
        #expect(failure.message.contains("'zzz'"))
    }

    @Test func refusedCredentialsAreALogicFailureNamingTheVariableOnly() async throws {
        let server = try TestHTTPServer { _ in
            .json(#"{"error":{"message":"Incorrect API key provided: \#(secret)"}}"#, status: 401)
        }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .logic)
        #expect(failure.message.contains("OPENAI_API_KEY"))
        #expect(!failure.message.contains(secret))
        #expect(!"\(failure)".contains(secret))
    }

    @Test func otherClientErrorsAreLogicFailuresAndKeysAreScrubbed() async throws {
        let server = try TestHTTPServer { _ in
            .json(#"{"error":{"message":"model not found (key \#(secret))"}}"#, status: 404)
        }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .logic)
        #expect(failure.message.contains("model not found"))
        #expect(!failure.message.contains(secret))
    }

    @Test func contextLengthExceededIsADataFailure() async throws {
        let server = try TestHTTPServer { _ in
            .json(#"{"error":{"message":"too long","code":"context_length_exceeded"}}"#, status: 400)
        }
        defer { server.stop() }
        let failure = try #require(await failure(try makeEngine(server)))
        #expect(failure.errorClass == .data)
    }
}
