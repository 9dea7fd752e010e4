import Foundation
import TraduCore
import TraduHTTP

/// The `openai` engine: any OpenAI-compatible chat-completions server (OpenAI, vLLM, llama.cpp, Ollama).
///
/// One request per batch: `POST {endpoint}/chat/completions` with a system message (the engine's prompt and
/// the answer format) and a user message `{"segments":[{"id","text"}]}`; the answer's content must be
/// `{"translations":[{"id","text"}]}` with exactly the same ids. `responseFormat` says how the server is held
/// to that: a strict JSON schema whose ids are an enum of the request's (`jsonSchema`, the default),
/// llama-cpp-python's `json_object` with the same schema (`jsonObject`), or no envelope at all (`text`: one
/// segment per request, the user message is its text and the answer's content its translation).
public struct OpenAIEngine: BatchTranslationEngine {
    /// The largest answer accepted.
    static let maxResponseBytes = 16 << 20
    static let maxConnectTimeout = Duration.seconds(10)

    let name: String
    let url: String
    let model: String
    let temperature: Double?
    let prompt: String?
    let responseFormat: Engine.ResponseFormat
    let timeout: Duration
    let apiKeyVariable: String?
    let apiKey: SecretValue?
    let httpClient: HTTPClient

    init(_ engine: Engine, model: String, apiKey: SecretValue?, httpClient: HTTPClient) {
        name = engine.name
        var endpoint = engine.endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        url = endpoint + "/chat/completions"
        self.model = model
        temperature = engine.temperature
        prompt = engine.prompt
        responseFormat = engine.responseFormat
        timeout = engine.timeout.duration
        apiKeyVariable = engine.apiKey?.environmentVariable
        self.apiKey = apiKey
        self.httpClient = httpClient
    }

    private var failures: OpenAIFailures {
        OpenAIFailures(
            engineName: name, url: Self.displayURL(url),
            apiKeyVariable: apiKeyVariable, apiKey: apiKey)
    }

    public func translate(_ request: TranslationRequest) async throws(BlockFailure) -> TranslationResponse {
        let httpRequest = try makeRequest(request)
        let response: HTTPResponse
        do {
            response = try await httpClient.send(httpRequest)
        } catch {
            throw failures.transport(error)
        }
        guard response.isSuccess else {
            throw failures.status(
                response, now: Date().timeIntervalSince1970,
                responseFormat: responseFormat == .text ? nil : responseFormat.rawValue)
        }
        return try parse(response.body, for: request)
    }

    func makeRequest(_ request: TranslationRequest) throws(BlockFailure) -> HTTPRequest {
        let messages: [(String, String)]
        if responseFormat == .text {
            guard request.segments.count == 1, let segment = request.segments.first else {
                throw BlockFailure(
                    .logic,
                    "engine '\(name)': responseFormat text sends one segment per request, got \(request.segments.count)"
                )
            }
            let system = PromptTemplate.textSystemMessage(
                prompt: prompt, sourceLanguage: request.sourceLanguage, targetLanguage: request.targetLanguage)
            messages = [("system", system), ("user", segment.text)]
        } else {
            let system = PromptTemplate.systemMessage(
                prompt: prompt, sourceLanguage: request.sourceLanguage, targetLanguage: request.targetLanguage)
            let batch = SegmentBatchWire.Batch(
                segments: request.segments.map { SegmentBatchWire.Segment(id: $0.id, text: $0.text) })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let user = try? encoder.encode(batch) else {
                throw BlockFailure(.logic, "engine '\(name)': could not encode the request")
            }
            messages = [("system", system), ("user", String(decoding: user, as: UTF8.self))]
        }
        var fields: [(String, JSONValue)] = [
            ("model", .string(model)),
            ("messages", .array(messages.map { .object([("role", .string($0.0)), ("content", .string($0.1))]) })),
        ]
        if let temperature { fields.append(("temperature", .double(temperature))) }
        if let format = ChatCompletionsWire.responseFormat(responseFormat, ids: request.segments.map(\.id)) {
            fields.append(("response_format", format))
        }
        let body = JSONValue.object(fields).encoded(sortedKeys: true)
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer " + apiKey.exposed }
        return HTTPRequest(
            method: .post, url: url, headers: headers, body: Array(body.utf8), timeout: timeout,
            connectTimeout: min(timeout, Self.maxConnectTimeout), maxResponseBytes: Self.maxResponseBytes,
            maxRedirects: 0)
    }

    public func batchLine(_ request: TranslationRequest, customID: String) throws(BlockFailure) -> String {
        let body = try makeRequest(request).body
        var line = "{\"custom_id\":"
        JSONValue.appendQuoted(customID, to: &line)
        line += ",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
        line += String(decoding: body, as: UTF8.self)
        return line + "}"
    }

    public func batchAnswer(status: Int, body: [UInt8], for request: TranslationRequest) throws(BlockFailure)
        -> TranslationResponse
    {
        let response = HTTPResponse(status: status, headers: [:], body: body, effectiveURL: url, totalTime: .zero)
        guard response.isSuccess else {
            throw failures.status(
                response, now: Date().timeIntervalSince1970,
                responseFormat: responseFormat == .text ? nil : responseFormat.rawValue)
        }
        return try parse(body, for: request)
    }

    func parse(_ body: [UInt8], for request: TranslationRequest) throws(BlockFailure) -> TranslationResponse {
        let decoder = JSONDecoder()
        guard let completion = try? decoder.decode(ChatCompletionsWire.Response.self, from: Data(body)) else {
            throw failures.data(
                "the answer is not a chat completion JSON object: "
                    + FailureText.clip(String(decoding: body.prefix(1024), as: UTF8.self)))
        }
        guard let choice = completion.choices.first, let content = choice.message?.content else {
            throw failures.data("the answer has no choices[0].message.content")
        }
        if responseFormat == .text, let segment = request.segments.first {
            if choice.finishReason == "length" {
                throw failures.data("the answer was cut off (finish_reason is 'length')")
            }
            return TranslationResponse(
                translations: [segment.id: Self.textAnswer(content, source: segment.text)],
                inputTokens: completion.usage?.promptTokens ?? 0, outputTokens: completion.usage?.completionTokens ?? 0)
        }
        let json = Self.unfenced(content)
        guard let answer = try? decoder.decode(SegmentBatchWire.Answer.self, from: Data(json.utf8)) else {
            let truncated = choice.finishReason == "length" ? " (cut off: finish_reason is 'length')" : ""
            throw failures.data(
                "the answer content is not {\"translations\":[{\"id\":...,\"text\":...}]}\(truncated): "
                    + FailureText.clip(json))
        }
        var collector = TranslationCollector(request)
        for item in answer.translations { collector.add(id: item.id, text: item.text) }
        let translations = try collector.finish("engine '\(name)': the answer")
        return TranslationResponse(
            translations: translations, inputTokens: completion.usage?.promptTokens ?? 0,
            outputTokens: completion.usage?.completionTokens ?? 0)
    }

    /// A text answer as the translation: models pad answers with newlines and spaces; the source's own leading
    /// and trailing whitespace is what the translation keeps.
    static func textAnswer(_ content: String, source: String) -> String {
        let core = content.trimmingCharacters(in: .whitespacesAndNewlines)
        let leading = source.prefix { $0.isWhitespace }
        let trailing = String(source.reversed().prefix { $0.isWhitespace }.reversed())
        return source.allSatisfy(\.isWhitespace) ? core : leading + core + trailing
    }

    /// `url` as messages show it: without user information, query or fragment, which may hold credentials.
    static func displayURL(_ url: String) -> String {
        let shown = url.prefix { $0 != "?" && $0 != "#" }
        guard let scheme = shown.firstRange(of: "://") else { return String(shown) }
        let authorityEnd = shown[scheme.upperBound...].firstIndex(of: "/") ?? shown.endIndex
        guard let at = shown[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return String(shown) }
        return String(shown[..<scheme.upperBound] + shown[shown.index(after: at)...])
    }

    /// The content without a Markdown code fence (```json ... ```) around it, which models often add.
    static func unfenced(_ content: String) -> String {
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count >= 6 else { return trimmed }
        var inner = trimmed.dropFirst(3).dropLast(3)
        // The fence's info string (`json`) runs to the end of the first line.
        if let newline = inner.firstIndex(where: \.isNewline) {
            let info = inner[..<newline].trimmingCharacters(in: .whitespaces)
            if info.allSatisfy({ $0.isLetter }) { inner = inner[inner.index(after: newline)...] }
        }
        return inner.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
