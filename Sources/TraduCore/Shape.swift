/// The declared shape of a manifest value. One description serves three purposes, so they can never drift
/// apart: strict checking of YAML nodes (`ShapeChecker`), JSON Schema generation (`JSONSchemaGenerator`),
/// and the defaults that typed decoding falls back on.
public indirect enum Shape: Sendable {
    case string(StringRule = .any)
    case integer(min: Int? = nil, max: Int? = nil)
    case number(min: Double? = nil, max: Double? = nil)
    case boolean
    case duration(min: DurationValue? = nil, max: DurationValue? = nil)
    case size(min: ByteSize? = nil, max: ByteSize? = nil)
    /// One of a fixed set of strings.
    case choice([String])
    case list(of: Shape, minItems: Int = 0, unique: Bool = false)
    case object(ObjectShape)
    /// A mapping with free-form keys (labels): keys follow `keyRule`, values follow the shape.
    case map(keyRule: StringRule, values: Shape)
    /// Any mapping, checked later against something else (an override's merge patch).
    case anyMapping
}

/// Rules for strings: a named format with a regular-language check implemented by hand (the core has no
/// regex engine dependency) and mirrored as a JSON Schema pattern.
public enum StringRule: Sendable {
    case any
    /// Non-empty, no control characters.
    case nonEmpty
    /// A DNS-label-like object name: lowercase letters, digits and '-', starting with a letter, at most 63.
    case name
    /// A BCP 47-style language tag: `en`, `fr`, `pt-BR`, `zh-Hant`.
    case language
    /// An environment variable name: `OPENAI_API_KEY`.
    case environmentVariable
    /// An http or https URL.
    case httpURL
    /// A label key: `team`, `app.kubernetes.io/name`.
    case labelKey
    /// A share above 0 and at most 100 percent: `5%`, `12.5%`, `100%`.
    case percentage
}

/// A mapping with known keys. Unknown keys are errors (with a suggestion).
public struct ObjectShape: Sendable {
    public var fields: [Field]
    /// Groups of keys of which exactly one must be present (a dataset source is a path, a glob or a url).
    public var exactlyOneOf: [[String]]
    /// Keys that must never appear, with the reason: a literal secret where a reference belongs.
    public var forbidden: [String: String]
    public var description: String?

    public init(
        _ fields: [Field], exactlyOneOf: [[String]] = [], forbidden: [String: String] = [:], description: String? = nil
    ) {
        self.fields = fields
        self.exactlyOneOf = exactlyOneOf
        self.forbidden = forbidden
        self.description = description
    }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}

/// One key of an object shape.
public struct Field: Sendable {
    public var name: String
    public var shape: Shape
    public var required: Bool
    public var defaultValue: JSONValue?
    public var description: String

    public init(
        _ name: String, _ shape: Shape, required: Bool = false, default defaultValue: JSONValue? = nil,
        _ description: String
    ) {
        self.name = name
        self.shape = shape
        self.required = required
        self.defaultValue = defaultValue
        self.description = description
    }
}
