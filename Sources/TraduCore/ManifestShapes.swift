/// The shape of every kind's document: the single source for strict decoding and for `schemas/`.
public enum ManifestShapes {
    public static let errorClasses = ["capacity", "dependency", "data", "infrastructure", "logic"]

    static let secretReference = Shape.object(
        ObjectShape(
            [
                Field(
                    "env", .string(.environmentVariable), required: true, "Name of the environment variable holding it."
                )
            ],
            description: "A reference to a secret; the value itself is never written in a manifest."))

    static func literalSecret(_ reference: String) -> String {
        "a secret must not be written in a manifest; use \(reference): {env: NAME} to reference an environment variable"
    }

    public static let metadata = ObjectShape(
        [
            Field("name", .string(.name), required: true, "Unique name of the object within its kind."),
            Field("labels", .map(keyRule: .labelKey, values: .string()), "Free-form labels."),
            Field(
                "environments", .list(of: .string(.name), minItems: 1, unique: true),
                "Restricts the object to these environments; absent means every environment."),
            Field("description", .string(), "A note for people."),
        ])

    public static let dataset = ObjectShape(
        [
            Field(
                "source",
                .object(
                    ObjectShape(
                        [
                            Field("path", .string(.nonEmpty), "A file, relative to the manifest's folder."),
                            Field("glob", .string(.nonEmpty), "A glob of files, relative to the manifest's folder."),
                            Field("url", .string(.httpURL), "An http(s) URL, fetched at plan time."),
                        ], exactlyOneOf: [["path", "glob", "url"]])), required: true,
                "Where the documents are."),
            Field(
                "format", .choice(["jsonl", "csv", "text", "lines"]), required: true,
                "jsonl: one JSON object per line; csv: a header row then records; text: one document per file;"
                    + " lines: one document per line."),
            Field("idField", .string(.nonEmpty), default: .string("id"), "Field or column holding the document id."),
            Field("textField", .string(.nonEmpty), default: .string("text"), "Field or column holding the text."),
            Field("sourceLanguage", .string(.language), required: true, "Language of the documents."),
            Field(
                "blocks",
                .object(
                    ObjectShape([
                        Field(
                            "maxRecords", .integer(min: 1, max: 100_000), default: .int(100),
                            "At most this many documents per block."),
                        Field(
                            "maxBytes", .size(min: ByteSize(bytes: 1024), max: ByteSize(bytes: 64 << 20)),
                            default: .string("256KiB"), "At most this many bytes of text per block."),
                        Field(
                            "cutter", .integer(min: 1, max: BlockCutter.latestVersion),
                            "Cutter version: 3 keeps the environment's cut (a change moves only the block it falls"
                                + " in) and cuts new data as 2 does; 2 fills blocks to about 80% of the limits; 1"
                                + " (half) is what environments cut before version 2 keep, so upgrading reprocesses"
                                + " nothing. Default: the version the environment already cut this dataset with,"
                                + " else 3."),
                    ])), "How the dataset is cut into blocks."),
            Field(
                "onInvalidRecord", .choice(["fail", "skip"]), default: .string("fail"),
                "What planning does with a bad record: stop, or skip and count it."),
        ])

    public static let engine = ObjectShape(
        [
            Field("type", .choice(["pseudo", "openai", "command"]), required: true, "The kind of engine."),
            Field("model", .string(.nonEmpty), "Model name (openai)."),
            Field(
                "endpoint", .string(.httpURL), default: .string("https://api.openai.com/v1"),
                "Base URL of an OpenAI-compatible API (openai)."),
            Field("apiKeyFrom", secretReference, "Where the API key comes from (openai)."),
            Field(
                "prompt", .string(.nonEmpty),
                "System prompt; may use {{sourceLanguage}} and {{targetLanguage}}."),
            Field("command", .list(of: .string(.nonEmpty), minItems: 1), "Program and arguments (command)."),
            Field(
                "timeout", .duration(min: DurationValue(milliseconds: 100), max: .seconds(3600)),
                default: .string("60s"), "Time limit of one request."),
            Field(
                "concurrency", .integer(min: 1, max: 1024), default: .int(4),
                "Requests in flight at once from each worker process; its other slots wait their turn."),
            Field(
                "maxSegmentsPerRequest", .integer(min: 1, max: 1000), default: .int(16),
                "Segments sent together in one request."),
            Field("temperature", .number(min: 0, max: 2), "Sampling temperature (openai)."),
            Field(
                "responseFormat", .choice(Engine.ResponseFormat.allCases.map(\.rawValue)),
                default: .string(Engine.ResponseFormat.jsonSchema.rawValue),
                "How the answer is constrained (openai): jsonSchema (a strict schema, ids as an enum), jsonObject"
                    + " (llama-cpp-python's json_object with a schema), or text (one segment per request, the"
                    + " answer is the translation)."),
            Field(
                "pricing",
                .object(
                    ObjectShape([
                        Field(
                            "inputPerMillionTokens", .number(min: 0), required: true,
                            "Price of a million input tokens."),
                        Field(
                            "outputPerMillionTokens", .number(min: 0), required: true,
                            "Price of a million output tokens."),
                        Field("currency", .string(.nonEmpty), default: .string("USD"), "ISO 4217 code."),
                        Field(
                            "outputRatio", .number(min: 0, max: 100),
                            "Output tokens per input token of text, for estimates (default: by target language)."),
                        Field(
                            "batchDiscount", .number(min: 0, max: 1), default: .double(0.5),
                            "Share taken off both prices for requests sent through the Batch API (mode: batch)."),
                    ])), "What the provider charges: plan estimates, spend, budgets."),
            Field(
                "mode", .choice(Engine.Mode.allCases.map(\.rawValue)), default: .string("sync"),
                "How requests are sent (openai): sync (answered at once) or batch (the provider's Batch API: within"
                    + " the completion window, at the batch discount)."),
            Field(
                "batch",
                .object(
                    ObjectShape([
                        Field(
                            "completionWindow", .duration(min: .seconds(3600), max: .seconds(7 * 86400)),
                            default: .string("24h"), "The provider's completion window, in whole hours."),
                        Field(
                            "pollInterval", .duration(min: DurationValue(milliseconds: 100), max: .seconds(3600)),
                            default: .string("30s"), "How often a batch's owner asks the provider how it is doing."),
                        Field(
                            "maxRequests", .integer(min: 1, max: 1_000_000), default: .int(50_000),
                            "Requests per batch (OpenAI: 50,000)."),
                        Field(
                            "maxFileBytes", .size(min: ByteSize(bytes: 1024), max: nil), default: .string("200MB"),
                            "Bytes per input file (OpenAI: 200 MB)."),
                        Field(
                            "maxEnqueuedTokens", .integer(min: 1, max: nil),
                            "Estimated input tokens enqueued at once across the engine's open batches."),
                    ])), "The Batch API's limits and timing (mode: batch)."),
            Field(
                "rateLimit",
                .object(
                    ObjectShape([
                        Field("requestsPerMinute", .integer(min: 1, max: 1_000_000), "Requests per minute."),
                        Field("tokensPerMinute", .integer(min: 1, max: 100_000_000), "Input tokens per minute."),
                    ])), "Limits that hold across every worker on every machine."),
        ],
        forbidden: [
            "apiKey": literalSecret("apiKeyFrom"), "api_key": literalSecret("apiKeyFrom"),
            "token": literalSecret("apiKeyFrom"), "password": literalSecret("apiKeyFrom"),
        ])

    public static let retryPolicy = ObjectShape([
        Field("maxAttempts", .integer(min: 1, max: 100), required: true, "Attempts before a block fails."),
        Field(
            "backoff",
            .object(
                ObjectShape([
                    Field(
                        "initial", .duration(min: DurationValue(milliseconds: 1), max: .seconds(86400)),
                        default: .string("1s"), "Delay before the second attempt."),
                    Field("multiplier", .number(min: 1, max: 10), default: .int(2), "Growth factor per attempt."),
                    Field(
                        "max", .duration(min: DurationValue(milliseconds: 1), max: .seconds(86400)),
                        default: .string("5m"), "Upper bound of the delay."),
                    Field("jitter", .number(min: 0, max: 1), default: .double(0.2), "Random spread, as a fraction."),
                ])), "min(initial * multiplier^(attempt-1), max), with jitter."),
        Field(
            "retryOn", .list(of: .choice(errorClasses), unique: true),
            default: .array(["capacity", "dependency", "infrastructure"].map { .string($0) }),
            "Error classes that retry; the others fail at once."),
        Field("deadLetter", .boolean, default: .bool(true), "Keep blocks out of attempts as failed for inspection."),
    ])

    static let sink = Shape.object(
        ObjectShape(
            [
                Field("type", .choice(["jsonl", "webhook"]), required: true, "Where results go."),
                Field("path", .string(.nonEmpty), "Output folder (jsonl), relative to the working directory."),
                Field("url", .string(.httpURL), "Endpoint receiving each completed block (webhook)."),
                Field("signingKeyFrom", secretReference, "HMAC key for webhook signatures."),
            ], forbidden: ["signingKey": literalSecret("signingKeyFrom")]))

    public static let pipeline = ObjectShape([
        Field("dataset", .string(.name), required: true, "The Dataset to process."),
        Field("engine", .string(.name), required: true, "The Engine that processes it."),
        Field("targetLanguages", .list(of: .string(.language), minItems: 1, unique: true), required: true, "Targets."),
        Field("retryPolicy", .string(.name), "The RetryPolicy; absent means 3 attempts with default backoff."),
        Field(
            "lease",
            .object(
                ObjectShape([
                    Field(
                        "duration", .duration(min: .seconds(1), max: .seconds(3600)), default: .string("60s"),
                        "How long a claim lasts without a heartbeat."),
                    Field(
                        "heartbeat", .duration(min: DurationValue(milliseconds: 100), max: .seconds(1800)),
                        default: .string("10s"), "How often a worker renews it."),
                ])), "Lease and heartbeat timing."),
        Field(
            "blockTimeout", .duration(min: .seconds(1), max: .seconds(86400)), default: .string("30m"),
            "A block running longer is requeued even if its worker still heartbeats."),
        Field("priority", .integer(min: 0, max: 100), default: .int(50), "Higher runs first, fairly weighted."),
        Field("concurrency", .integer(min: 1, max: 100_000), "Blocks of this pipeline in flight at once."),
        Field("sinks", .list(of: sink), "Where results are forwarded."),
        Field("suspended", .boolean, default: .bool(false), "Stops scheduling new blocks."),
        Field("rollout", .object(rollout), "Roll a processing-spec change out in analysed steps (a canary)."),
        Field("checks", .object(checks), "What every answer is checked for before its block completes."),
        Field("budget", .object(budget), "Stop scheduling this pipeline's blocks once its spend reaches maxCost."),
        Field(
            "segmentation", .choice(Segmentation.allCases.map(\.rawValue)), default: .string("document"),
            "What one engine segment is: a whole document, or a sentence (memory reuses repeated sentences)."),
    ])

    static let budget = ObjectShape([
        Field("maxCost", .number(min: 0), required: true, "Spend allowed, failed attempts included."),
        Field("currency", .string(.nonEmpty), default: .string("USD"), "Must be the engines' pricing currency."),
    ])

    static let checks = ObjectShape([
        Field(
            "untranslated",
            .object(
                ObjectShape([
                    Field("enabled", .boolean, default: .bool(true), "Refuse a translation equal to its source."),
                    Field(
                        "minLetters", .integer(min: 1, max: 100_000), default: .int(20),
                        "Only sources with this many letters, at least half of their visible characters, count."),
                ])), "The source text returned unchanged."),
        Field("empty", .boolean, default: .bool(true), "Refuse an empty translation of a non-blank source."),
        Field(
            "lengthRatio",
            .object(
                ObjectShape([
                    Field("enabled", .boolean, default: .bool(true), "Check the length ratio."),
                    Field(
                        "min", .number(min: 0), default: .double(0.2),
                        "Lowest characters(translation) / characters(source)."),
                    Field("max", .number(min: 0), default: .int(5), "Highest ratio."),
                ])), "Translations much shorter or longer than their source (sources of minLetters letters or more)."),
        Field("placeholders", .boolean, default: .bool(true), "Every placeholder carried over, none invented."),
        Field("markup", .boolean, default: .bool(true), "Every tag and entity carried over, none invented."),
    ])

    static let rollout = ObjectShape([
        Field(
            "steps", .list(of: .string(.percentage), minItems: 1), required: true,
            "Cumulative shares of the changed blocks reprocessed at each step, increasing, ending at 100%."),
        Field(
            "analysis",
            .object(
                ObjectShape([
                    Field(
                        "minBlocks", .integer(min: 1, max: 1_000_000), default: .int(20),
                        "No verdict on fewer final blocks; a smaller step is raised to it."),
                    Field(
                        "maxFailedRatio", .number(min: 0, max: 1), default: .double(0.02),
                        "Failed blocks / final blocks of the sample."),
                    Field(
                        "maxDataErrorRatio", .number(min: 0, max: 1), default: .int(0),
                        "Blocks failed with a data error (placeholders, markup, malformed answers) / final blocks."),
                    Field(
                        "maxTokenRatio", .number(min: 0),
                        "New tokens / current tokens on the same blocks (engine-made results only)."),
                    Field(
                        "maxLengthDrift", .number(min: 0),
                        "Median over records of |length(new) / length(current) - 1|."),
                    Field(
                        "check",
                        .object(
                            ObjectShape([
                                Field(
                                    "command", .list(of: .string(.nonEmpty), minItems: 1), required: true,
                                    "Reads JSON Lines {id, source, current, new}; prints {\"pass\": bool, \"message\": text}."
                                ),
                                Field(
                                    "timeout", .duration(min: .seconds(1), max: .seconds(3600)),
                                    default: .string("5m"), "Longer is a failed check."),
                            ])), "A program of your own that judges the sample."),
                ])), "The gates each step must pass."),
        Field(
            "onFailure", .choice(RolloutSpec.OnFailure.allCases.map(\.rawValue)), default: .string("rollback"),
            "What a failed analysis does."),
    ])

    static let override = Shape.object(
        ObjectShape([
            Field("kind", .choice(ManifestKind.allCases.map(\.rawValue)), required: true, "Kind of the target."),
            Field("name", .string(.name), required: true, "Name of the target."),
            Field("patch", .anyMapping, required: true, "JSON merge patch (RFC 7386) applied to the target's spec."),
        ]))

    public static let environment = ObjectShape(
        [
            Field(
                "schema", .string(.nonEmpty),
                "PostgreSQL schema holding the environment's rows; default tradu_<name>."),
            Field(
                "databaseFrom", secretReference,
                "Environment variable holding the database URL, for a database of its own."),
            Field(
                "concurrency",
                .object(
                    ObjectShape([
                        Field("maxBlocksInFlight", .integer(min: 1, max: 1_000_000), "Across all pipelines.")
                    ])), "Caps for the whole environment."),
            Field(
                "promotion",
                .object(
                    ObjectShape([
                        Field("from", .string(.name), required: true, "Environment a revision is promoted from."),
                        Field(
                            "minCompletedRatio", .number(min: 0, max: 1), default: .int(1),
                            "Share of the source's blocks that must be completed."),
                        Field("maxFailedBlocks", .integer(min: 0), default: .int(0), "Failed blocks tolerated."),
                        Field(
                            "maxErrorRatio",
                            .object(
                                ObjectShape(
                                    errorClasses.map {
                                        Field($0, .number(min: 0, max: 1), "Share of blocks that met a \($0) error.")
                                    })), "Highest share of the source's blocks that met an error, by error class."),
                        Field(
                            "minSoak", .duration(min: .seconds(0), max: .seconds(30 * 86400)),
                            "Time the source's blocks must have been final, with no failure since."),
                        Field(
                            "requireApproval", .boolean, default: .bool(false),
                            "Promote only a freight approved for this environment (`tradu approve`)."),
                        Field(
                            "allowSelfApproval", .boolean, default: .bool(false),
                            "Let the approver also be the one who promotes."),
                        Field(
                            "allowedBranches", .list(of: .string(.nonEmpty), unique: true),
                            "Branches (or globs like release/*) the freight's git commit must be on."),
                        Field(
                            "allowDifferences", .list(of: .string(.nonEmpty), unique: true),
                            "Processing-spec fields (e.g. engine.model) allowed to differ from the source."),
                        Field(
                            "auto", .boolean, default: .bool(false),
                            "The leading controller promotes by itself as soon as the gates pass."),
                        Field(
                            "allowDirectApply", .boolean, default: .bool(false),
                            "Let `tradu apply` change this environment directly, besides promotions."),
                    ])), "Gates for `tradu promote`."),
            Field("budget", .object(budget), "Stop scheduling any block once the environment's spend reaches maxCost."),
            Field("overrides", .list(of: override), "Changes to other objects in this environment only."),
        ],
        forbidden: [
            "databaseUrl": literalSecret("databaseFrom"), "databaseURL": literalSecret("databaseFrom"),
        ])

    public static func spec(of kind: ManifestKind) -> ObjectShape {
        switch kind {
        case .dataset: dataset
        case .engine: engine
        case .retryPolicy: retryPolicy
        case .pipeline: pipeline
        case .environment: environment
        }
    }
}
