import Foundation
import TraduEngines

@testable import TraduCore

/// Engine manifests and chat-completions bodies for the tests.
enum EngineFixtures {
    static func engine(
        _ kind: Engine.Kind, name: String = "test-engine", model: String? = nil,
        endpoint: String = "https://api.openai.com/v1", apiKeyVariable: String? = nil, prompt: String? = nil,
        command: [String]? = nil, timeout: DurationValue = .seconds(10), temperature: Double? = nil,
        responseFormat: Engine.ResponseFormat = .jsonSchema
    ) -> Engine {
        Engine(
            name: name, kind: kind, model: model, endpoint: endpoint,
            apiKey: apiKeyVariable.map { SecretReference(environmentVariable: $0) }, prompt: prompt, command: command,
            timeout: timeout, concurrency: 1, maxSegmentsPerRequest: responseFormat == .text ? 1 : 16,
            temperature: temperature, rateLimit: Engine.RateLimit(requestsPerMinute: nil, tokensPerMinute: nil),
            responseFormat: responseFormat)
    }

    static func request(_ segments: [(String, String)], from source: String = "en", to target: String = "fr")
        -> TranslationRequest
    {
        TranslationRequest(
            segments: segments.map { TranslationSegment(id: $0.0, text: $0.1) }, sourceLanguage: source,
            targetLanguage: target)
    }

    /// A chat completion whose message content is `content`.
    static func completion(content: String, promptTokens: Int = 11, completionTokens: Int = 7) -> String {
        let object: [String: Any] = [
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": promptTokens, "completion_tokens": completionTokens],
        ]
        return json(object)
    }

    /// `{"translations":[{"id","text"}]}`
    static func translations(_ pairs: [(String, String)]) -> String {
        json(["translations": pairs.map { ["id": $0.0, "text": $0.1] }])
    }

    static func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func parse(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}
