import TraduCore

/// A libyaml mark: 0-based, as libyaml counts (columns in characters).
struct YAMLMark: Sendable, Hashable {
    var line: Int
    var column: Int

    func location(in file: String) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }
}

/// A libyaml parser event copied into Swift values, so no C pointer outlives the event it came from.
struct YAMLEvent: Sendable {
    enum Kind: Sendable {
        case streamStart
        case streamEnd
        case documentStart
        case documentEnd
        case alias(anchor: String)
        case scalar(YAMLScalar)
        case sequenceStart(anchor: String?, tag: String?)
        case sequenceEnd
        case mappingStart(anchor: String?, tag: String?)
        case mappingEnd
    }

    var kind: Kind
    var start: YAMLMark
    var end: YAMLMark
}

/// A scalar as written: its text, whether it was plain (unquoted, not a block scalar), and its tag.
struct YAMLScalar: Sendable {
    var anchor: String?
    /// The fully expanded tag (`tag:yaml.org,2002:str` for `!!str`), or nil when none was written.
    var tag: String?
    var text: String
    var isPlain: Bool
}
