import TraduCore

/// The JSON exchanged with an OpenAI-compatible `POST /chat/completions`, limited to what tradu sends and
/// reads.
enum ChatCompletionsWire {
    struct Request: Encodable {
        var model: String
        var temperature: Double?
        var messages: [Message]
    }

    struct Message: Encodable {
        var role: String
        var content: String
    }

    struct Response: Decodable {
        var choices: [Choice]
        var usage: Usage?
    }

    struct Choice: Decodable {
        var message: ResponseMessage?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case message
            case finishReason = "finish_reason"
        }
    }

    struct ResponseMessage: Decodable {
        var content: String?
    }

    struct Usage: Decodable {
        var promptTokens: Int?
        var completionTokens: Int?

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
        }
    }

    /// `{"error": {"message": "...", "code": "..."}}`, the error body of OpenAI and most compatible servers.
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var message: String?
            var code: String?
        }

        var error: Detail
    }
}

extension ChatCompletionsWire {
    /// The `response_format` member for a batch with these ids (nil for `text`). The schema is strict: an object
    /// with one `translations` array of `{id, text}`, the ids an enum of the request's, nothing else allowed.
    static func responseFormat(_ format: Engine.ResponseFormat, ids: [String]) -> JSONValue? {
        let item = JSONValue.object([
            ("type", .string("object")), ("additionalProperties", .bool(false)),
            ("required", .array([.string("id"), .string("text")])),
            (
                "properties",
                .object([
                    ("id", .object([("type", .string("string")), ("enum", .array(ids.map { .string($0) }))])),
                    ("text", .object([("type", .string("string"))])),
                ])
            ),
        ])
        let schema = JSONValue.object([
            ("type", .string("object")), ("additionalProperties", .bool(false)),
            ("required", .array([.string("translations")])),
            ("properties", .object([("translations", .object([("type", .string("array")), ("items", item)]))])),
        ])
        switch format {
        case .jsonSchema:
            return .object([
                ("type", .string("json_schema")),
                (
                    "json_schema",
                    .object([("name", .string("translations")), ("strict", .bool(true)), ("schema", schema)])
                ),
            ])
        case .jsonObject:
            return .object([("type", .string("json_object")), ("schema", schema)])
        case .text:
            return nil
        }
    }
}

/// The batch as the user message carries it, and the answer the model must give, inside the message content.
enum SegmentBatchWire {
    struct Segment: Codable {
        var id: String
        var text: String
    }

    struct Batch: Encodable {
        var segments: [Segment]
    }

    struct Answer: Decodable {
        var translations: [Segment]
    }
}
