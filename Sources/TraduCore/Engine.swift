/// An AI inference endpoint.
public struct Engine: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case pseudo, openai, command
    }

    /// How an `openai` engine asks for its answer (DESIGN §4, structured outputs).
    public enum ResponseFormat: String, Sendable, Hashable, CaseIterable {
        /// `response_format: {type: json_schema, strict}` with the request's ids as an enum: OpenAI, vLLM,
        /// llama.cpp's server and Ollama constrain the answer to valid JSON with exactly those ids.
        case jsonSchema
        /// `response_format: {type: json_object, schema}`: llama-cpp-python's form.
        case jsonObject
        /// No envelope: one segment per request, the answer's content is the translation.
        case text
    }

    /// What the engine's provider charges, per million tokens, for cost estimates, spend and budgets.
    public struct Pricing: Sendable, Hashable {
        public var inputPerMillionTokens: Double
        public var outputPerMillionTokens: Double
        public var currency: String
        /// Output tokens per input token of text, for estimates; nil: `TokenEstimate`'s table by target language.
        public var outputRatio: Double?
        /// The share taken off both prices for requests sent through the Batch API (OpenAI, Anthropic: 0.5).
        public var batchDiscount = 0.5

        public init(
            inputPerMillionTokens: Double, outputPerMillionTokens: Double, currency: String = "USD",
            outputRatio: Double? = nil
        ) {
            self.inputPerMillionTokens = inputPerMillionTokens
            self.outputPerMillionTokens = outputPerMillionTokens
            self.currency = currency
            self.outputRatio = outputRatio
        }

        /// The cost of `input` and `output` tokens in millionths of `currency` (exact for prices with up to six
        /// decimals per million tokens, which covers every published price).
        public func micros(input: Int64, output: Int64, batch: Bool = false) -> Int64 {
            let full = Double(input) * inputPerMillionTokens + Double(output) * outputPerMillionTokens
            return Int64((batch ? full * (1 - batchDiscount) : full).rounded())
        }
    }

    /// How an `openai` engine sends requests (DESIGN §4, "Provider batches").
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// One `POST /chat/completions` per request, answered at once.
        case sync
        /// Requests go through the provider's Batch API (`/files`, `/batches`): answered within the completion
        /// window, at the batch discount.
        case batch
    }

    /// The Batch API's limits and timing (`mode: batch`).
    public struct BatchSettings: Sendable, Hashable {
        /// The provider's `completion_window` (OpenAI accepts 24h).
        public var completionWindow: DurationValue = .seconds(86400)
        /// How often the owner of a batch asks the provider how it is doing.
        public var pollInterval: DurationValue = .seconds(30)
        /// Requests per batch (OpenAI: 50,000).
        public var maxRequests = 50_000
        /// Bytes per input file (OpenAI: 200 MB).
        public var maxFileBytes: Int64 = 200_000_000
        /// Estimated input tokens enqueued at once across the engine's open batches (the provider's enqueued-token
        /// limit for the model); nil: no limit.
        public var maxEnqueuedTokens: Int64?

        public init() {}
    }

    public struct RateLimit: Sendable, Hashable {
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?
    }

    public var name: String
    public var kind: Kind
    public var model: String?
    public var endpoint: String
    public var apiKey: SecretReference?
    public var prompt: String?
    public var command: [String]?
    public var timeout: DurationValue
    public var concurrency: Int
    public var maxSegmentsPerRequest: Int
    public var temperature: Double?
    public var rateLimit: RateLimit
    public var responseFormat: ResponseFormat = .jsonSchema
    /// nil: costs are not known (tokens are still counted).
    public var pricing: Pricing?
    public var mode: Mode = .sync
    public var batch = BatchSettings()

    /// Variables a prompt may use; anything else in `{{...}}` is an error rather than an empty string.
    public static let promptVariables = ["sourceLanguage", "targetLanguage"]
}

extension Engine {
    static func decode(name: String, spec: Node, into diagnostics: inout [Diagnostic]) -> Engine {
        let reader = SpecReader(spec, ManifestShapes.engine)
        let kind = Kind(rawValue: reader.string("type") ?? "") ?? .pseudo
        let onlyFor: [(key: String, kinds: [Kind])] = [
            ("model", [.openai]), ("endpoint", [.openai]), ("apiKeyFrom", [.openai]), ("temperature", [.openai]),
            ("responseFormat", [.openai]), ("mode", [.openai]), ("batch", [.openai]),
            ("prompt", [.openai, .command]), ("command", [.command]),
        ]
        for (key, kinds) in onlyFor where reader.has(key) && !kinds.contains(kind) {
            let names = kinds.map { "\($0.rawValue)" }.joined(separator: " and ")
            diagnostics.append(
                Diagnostic(
                    at: reader.range(key),
                    "spec.\(key) applies to \(names) engines only, not to type '\(kind.rawValue)'"))
        }
        let requiredFor: [(key: String, kind: Kind)] = [("model", .openai), ("command", .command)]
        for (key, needed) in requiredFor where kind == needed && !reader.has(key) {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("type"), "spec.\(key) is required for an engine of type '\(kind.rawValue)'"))
        }
        if let prompt = reader.node("prompt"), let text = prompt.string {
            for variable in TemplateVariables.names(in: text) where !promptVariables.contains(variable) {
                diagnostics.append(
                    Diagnostic(
                        at: prompt.range,
                        "spec.prompt uses unknown variable '{{\(variable)}}' (known: "
                            + promptVariables.map { "{{\($0)}}" }.joined(separator: ", ") + ")"
                            + Suggestion.didYouMean(variable, in: promptVariables)))
            }
        }
        let rate = reader.object("rateLimit")
        let format = reader.string("responseFormat").flatMap(ResponseFormat.init(rawValue:)) ?? .jsonSchema
        // Text answers carry no ids: one segment per request, and a larger batch is a contradiction.
        if format == .text, let batch = reader.int("maxSegmentsPerRequest"), batch > 1 {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("maxSegmentsPerRequest"),
                    "spec.maxSegmentsPerRequest is \(batch), but spec.responseFormat text sends one segment per"
                        + " request (its answer has no ids): remove it or set 1"))
        }
        let mode = reader.string("mode").flatMap(Mode.init(rawValue:)) ?? .sync
        if reader.has("batch"), mode != .batch {
            diagnostics.append(
                Diagnostic(at: reader.range("batch"), "spec.batch applies only with spec.mode batch"))
        }
        let batchReader = reader.object("batch")
        var batch = BatchSettings()
        if let window = batchReader.duration("completionWindow") {
            batch.completionWindow = window
            if window.milliseconds % 3_600_000 != 0 {
                diagnostics.append(
                    Diagnostic(
                        at: batchReader.valueRange("completionWindow"),
                        "spec.batch.completionWindow must be whole hours (the provider takes \"24h\"), got \(window)"))
            }
        }
        batch.pollInterval = batchReader.duration("pollInterval") ?? batch.pollInterval
        batch.maxRequests = batchReader.int("maxRequests") ?? batch.maxRequests
        batch.maxFileBytes =
            batchReader.string("maxFileBytes").flatMap(ByteSize.init(parsing:))?.bytes
            ?? batch.maxFileBytes
        batch.maxEnqueuedTokens = batchReader.int("maxEnqueuedTokens").map(Int64.init)
        var engine = Engine(
            name: name, kind: kind, model: reader.string("model"),
            endpoint: reader.string("endpoint") ?? "https://api.openai.com/v1",
            apiKey: reader.secretReference("apiKeyFrom"), prompt: reader.string("prompt"),
            command: reader.strings("command"), timeout: reader.duration("timeout") ?? .seconds(60),
            concurrency: reader.int("concurrency") ?? 4,
            maxSegmentsPerRequest: format == .text ? 1 : reader.int("maxSegmentsPerRequest") ?? 16,
            temperature: reader.double("temperature"),
            rateLimit: RateLimit(
                requestsPerMinute: rate.int("requestsPerMinute"), tokensPerMinute: rate.int("tokensPerMinute")),
            responseFormat: format,
            pricing: reader.has("pricing")
                ? Pricing(
                    inputPerMillionTokens: reader.object("pricing").double("inputPerMillionTokens") ?? 0,
                    outputPerMillionTokens: reader.object("pricing").double("outputPerMillionTokens") ?? 0,
                    currency: reader.object("pricing").string("currency") ?? "USD",
                    outputRatio: reader.object("pricing").double("outputRatio")) : nil)
        engine.pricing?.batchDiscount = reader.object("pricing").double("batchDiscount") ?? 0.5
        engine.mode = mode
        engine.batch = batch
        return engine
    }
}

/// `{{name}}` variables in a template.
enum TemplateVariables {
    static func names(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            names.append(rest[open.upperBound..<close.lowerBound].trimmingSpaces())
            rest = rest[close.upperBound...]
        }
        return names
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }

    func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
