/// The tags tradu understands: the YAML 1.2 core schema's, plus the non-specific `!` ("not plain").
enum YAMLTag: Equatable {
    case str
    case int
    case float
    case bool
    case null
    case map
    case seq
    /// `! value`: resolve as a string, whatever the text looks like.
    case nonSpecific

    private static let corePrefix = "tag:yaml.org,2002:"

    /// Parses a fully expanded tag as libyaml reports it; nil for tags tradu does not support.
    init?(_ raw: String) {
        if raw == "!" {
            self = .nonSpecific
            return
        }
        guard raw.hasPrefix(Self.corePrefix) else { return nil }
        switch raw.dropFirst(Self.corePrefix.count) {
        case "str": self = .str
        case "int": self = .int
        case "float": self = .float
        case "bool": self = .bool
        case "null": self = .null
        case "map": self = .map
        case "seq": self = .seq
        default: return nil
        }
    }

    /// The tag as people write it: `!!str` rather than `tag:yaml.org,2002:str`.
    static func display(_ raw: String) -> String {
        raw.hasPrefix(corePrefix) ? "!!" + raw.dropFirst(corePrefix.count) : raw
    }
}
