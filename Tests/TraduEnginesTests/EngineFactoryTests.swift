import Testing
import TraduCore
import TraduHTTP
import TraduTestSupport

@testable import TraduEngines

@Suite struct EngineFactoryTests {
    let client = HTTPClient()

    @Test func missingAPIKeyIsALogicFailureNamingTheVariable() throws {
        let engine = EngineFixtures.engine(.openai, model: "m", apiKeyVariable: "MY_KEY")
        for environment in [[:], ["MY_KEY": ""], ["OTHER": "sk-abc"]] {
            let error = #expect(throws: BlockFailure.self) {
                _ = try EngineFactory.make(engine, environment: environment, httpClient: client)
            }
            #expect(error?.errorClass == .logic)
            #expect(error?.message.contains("MY_KEY") == true)
            #expect(error?.message.contains("sk-abc") == false)
        }
    }

    @Test func makesOneEngineKindEach() throws {
        #expect(
            try EngineFactory.make(EngineFixtures.engine(.pseudo), environment: [:], httpClient: client) is PseudoEngine
        )
        let openai = EngineFixtures.engine(.openai, model: "m")
        #expect(try EngineFactory.make(openai, environment: [:], httpClient: client) is OpenAIEngine)
        let command = EngineFixtures.engine(.command, command: ["cat"])
        #expect(try EngineFactory.make(command, environment: [:], httpClient: client) is CommandEngine)
        let noCommand = EngineFixtures.engine(.command)
        #expect(throws: BlockFailure.self) {
            _ = try EngineFactory.make(noCommand, environment: [:], httpClient: client)
        }
    }

    @Test func withoutApiKeyFromNoAuthorizationIsSent() async throws {
        let server = try TestHTTPServer { _ in
            .json(EngineFixtures.completion(content: EngineFixtures.translations([("a", "b")])))
        }
        defer { server.stop() }
        let engine = try EngineFactory.make(
            EngineFixtures.engine(.openai, model: "m", endpoint: server.url("/v1")), environment: [:],
            httpClient: client)
        _ = try await engine.translate(EngineFixtures.request([("a", "x")]))
        #expect(server.requests.first?.header("Authorization") == nil)
    }

    @Test func theKeyNeverPrints() throws {
        let engine = try EngineFactory.make(
            EngineFixtures.engine(.openai, model: "m", apiKeyVariable: "K"), environment: ["K": "sk-very-secret"],
            httpClient: client)
        var dumped = ""
        dump(engine, to: &dumped)
        #expect(!dumped.contains("sk-very-secret"))
        #expect(!"\(engine)".contains("sk-very-secret"))
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        let now = Double(RetryAfter.imfFixdate("Wed, 21 Oct 2015 07:28:00 GMT")!)
        #expect(now == 1_445_412_480)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .seconds(0))
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse(nil, now: now) == nil)
    }

    @Test func promptVariablesAreFilledIn() {
        let text = PromptTemplate.render(
            "{{sourceLanguage}} -> {{ targetLanguage }} {{other}} {{", ["sourceLanguage": "en", "targetLanguage": "fr"])
        #expect(text == "en -> fr {{other}} {{")
    }

    @Test func displayedURLsDropCredentials() {
        #expect(OpenAIEngine.displayURL("https://user:pw@host:8080/v1/chat?key=x") == "https://host:8080/v1/chat")
        #expect(OpenAIEngine.displayURL("http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1")
    }
}
