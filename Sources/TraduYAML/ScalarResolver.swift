import TraduCore

/// Gives a scalar its value: by the core schema when plain and untagged, as a string when quoted, and as
/// its explicit tag demands otherwise.
enum ScalarResolver {
    static func resolve(_ scalar: YAMLScalar, range: SourceRange) throws(Diagnostic) -> Node.Value {
        guard let rawTag = scalar.tag else {
            return scalar.isPlain ? CoreSchema.resolvePlain(scalar.text) : .string(scalar.text)
        }
        guard let tag = YAMLTag(rawTag) else {
            throw Diagnostic(at: range, "unknown tag '\(YAMLTag.display(rawTag))'")
        }
        let text = scalar.text
        func invalid() -> Diagnostic {
            Diagnostic(at: range, "'\(text)' is not a valid \(YAMLTag.display(rawTag)) value")
        }
        switch tag {
        case .str, .nonSpecific:
            return .string(text)
        case .int:
            guard case .int(let value)? = CoreSchema.integer(text) else { throw invalid() }
            return .int(value)
        case .float:
            if let value = CoreSchema.float(text) { return .float(value) }
            switch CoreSchema.integer(text) {
            case .int(let value)?: return .float(Double(value))
            case .float(let value)?: return .float(value)
            default: throw invalid()
            }
        case .bool:
            guard let value = CoreSchema.bool(text) else { throw invalid() }
            return .bool(value)
        case .null:
            guard CoreSchema.isNull(text) else { throw invalid() }
            return .null
        case .map, .seq:
            throw Diagnostic(at: range, "tag \(YAMLTag.display(rawTag)) cannot be used on a scalar")
        }
    }
}
