import Foundation
import TraduCore
import TraduHTTP

/// How an `openai` engine's HTTP exchange failed, as a classified `BlockFailure`. Messages name the engine,
/// the redacted URL and the API key's variable, never the key itself.
struct OpenAIFailures {
    var engineName: String
    /// Where requests go, as shown in messages (no credentials, no query).
    var url: String
    var apiKeyVariable: String?
    var apiKey: SecretValue?

    /// A transport failure: no response at all.
    func transport(_ error: HTTPError) -> BlockFailure {
        let errorClass: ErrorClass =
            switch error.kind {
            case .timeout, .connectionRefused, .couldNotConnect, .dns, .tls, .tooLarge, .other: .dependency
            case .invalidURL, .invalidRequest, .tooManyRedirects: .logic
            case .cancelled: .infrastructure
            }
        let what =
            switch error.kind {
            case .timeout: "timed out"
            case .connectionRefused: "connection refused"
            case .couldNotConnect: "could not connect"
            case .dns: "host not found"
            case .tls: "TLS failure"
            case .tooLarge: "answer too large"
            case .tooManyRedirects: "too many redirects"
            case .invalidURL: "invalid endpoint URL"
            case .invalidRequest: "request could not be sent"
            case .cancelled: "cancelled"
            case .other: "transfer failed"
            }
        return failure(errorClass, "\(what) (\(scrub(error.message)))")
    }

    /// A response whose status is not 2xx.
    /// - Parameter responseFormat: the structured-output setting the request used (nil for text): a 400 then
    ///   names it, since servers without structured outputs refuse the request that way.
    func status(_ response: HTTPResponse, now: Double, responseFormat: String? = nil) -> BlockFailure {
        let status = response.status
        let detail = serverMessage(response.body)
        switch status {
        case 429:
            let wait = RetryAfter.parse(response.headers["Retry-After"], now: now)
            return failure(.capacity, "HTTP 429 rate limited\(detail)", retryAfter: wait)
        case 401, 403:
            let variable = apiKeyVariable.map { "the API key in environment variable \($0)" } ?? "no API key"
            return failure(.logic, "HTTP \(status): the server refused the credentials (sent \(variable))")
        case 408:
            return failure(.dependency, "HTTP 408 request timeout\(detail)")
        case 400 where serverCode(response.body) == "context_length_exceeded", 413:
            // The batch itself is too large for the model: a smaller block could pass.
            return failure(.data, "HTTP \(status): the request is too large for the model\(detail)")
        case 400 where responseFormat != nil:
            return failure(
                .logic,
                "HTTP 400\(detail); if this server does not support structured outputs, set spec.responseFormat on"
                    + " engine '\(engineName)' to jsonObject or text (it is \(responseFormat!))")
        case 400..<500:
            return failure(.logic, "HTTP \(status)\(detail)")
        case 500..<600:
            return failure(.dependency, "HTTP \(status)\(detail)")
        default:
            return failure(.dependency, "unexpected HTTP \(status)\(detail)")
        }
    }

    /// A 2xx response whose body or content is not what was asked for.
    func data(_ message: String) -> BlockFailure {
        failure(.data, message)
    }

    private func failure(_ errorClass: ErrorClass, _ message: String, retryAfter: DurationValue? = nil)
        -> BlockFailure
    {
        BlockFailure(errorClass, "engine '\(engineName)': POST \(url): \(message)", retryAfter: retryAfter)
    }

    /// `: <what the server said>`, from an OpenAI-style error body or the start of the body, scrubbed.
    private func serverMessage(_ body: [UInt8]) -> String {
        let text: String
        if let parsed = try? JSONDecoder().decode(ChatCompletionsWire.ErrorBody.self, from: Data(body)),
            let message = parsed.error.message
        {
            text = message
        } else {
            text = String(decoding: body.prefix(1024), as: UTF8.self)
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "" : ": " + FailureText.clip(scrub(trimmed), 300)
    }

    private func serverCode(_ body: [UInt8]) -> String? {
        (try? JSONDecoder().decode(ChatCompletionsWire.ErrorBody.self, from: Data(body)))?.error.code
    }

    private func scrub(_ text: String) -> String {
        apiKey?.scrub(text) ?? text
    }
}
