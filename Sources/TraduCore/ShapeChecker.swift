/// Checks a node against a `Shape` and reports every violation with its position. It never stops at the
/// first problem: a user fixing a manifest wants the whole list.
public enum ShapeChecker {
    /// - Parameters:
    ///   - path: the dotted path of `node` from the document root (`spec.blocks`), used in messages.
    ///   - owner: the range of the key that holds `node`, where "missing key" errors point.
    public static func check(_ node: Node, against shape: Shape, path: String, owner: SourceRange? = nil)
        -> [Diagnostic]
    {
        var diagnostics: [Diagnostic] = []
        check(node, shape, path: path, owner: owner, into: &diagnostics)
        return diagnostics
    }

    static func describe(_ node: Node) -> String {
        switch node.value {
        case .string(let text): "a string '\(text.count > 40 ? text.prefix(40) + "…" : Substring(text))'"
        case .int(let value): "\(value)"
        case .float(let value): "\(value)"
        case .bool(let value): "\(value)"
        default: node.typeDescription
        }
    }

    /// A scalar as written in a message: strings in quotes, other values as they are.
    static func quoted(_ node: Node) -> String {
        if case .string(let text) = node.value { return "'\(text)'" }
        return describe(node)
    }

    static func format<T>(_ value: T) -> String {
        if let double = value as? Double { return JSONValue.double(double).encoded() }
        return "\(value)"
    }

    private static func check(
        _ node: Node, _ shape: Shape, path: String, owner: SourceRange?, into out: inout [Diagnostic]
    ) {
        func fail(_ message: String, at range: SourceRange? = nil) {
            out.append(Diagnostic(at: range ?? node.range, message))
        }
        func typeError(_ expected: String) {
            fail("\(path) must be \(expected), got \(describe(node))")
        }

        switch shape {
        case .string(let rule):
            guard case .string(let text) = node.value else { return typeError("a string") }
            if let violation = rule.violation(text) { fail("\(path): \(violation)") }

        case .integer(let min, let max):
            guard case .int(let value) = node.value else { return typeError("a whole number") }
            checkRange(value, min: min, max: max, path: path, fail: { fail($0) })

        case .number(let min, let max):
            let value: Double
            switch node.value {
            case .int(let int): value = Double(int)
            case .float(let double) where double.isFinite: value = double
            default: return typeError("a number")
            }
            checkRange(value, min: min, max: max, path: path, fail: { fail($0) })

        case .boolean:
            guard case .bool = node.value else { return typeError("true or false") }

        case .duration(let min, let max):
            guard case .string(let text) = node.value else {
                if case .int = node.value {
                    return fail(
                        "\(path) must be a duration with a unit, got \(describe(node)); \(DurationValue.syntaxHint)")
                }
                return typeError("a duration such as 30s")
            }
            guard let duration = DurationValue(parsing: text) else {
                return fail("\(path): invalid duration '\(text)'; \(DurationValue.syntaxHint)")
            }
            if let min, duration < min { fail("\(path) must be at least \(min), got \(text)") }
            if let max, duration > max { fail("\(path) must be at most \(max), got \(text)") }

        case .size(let min, let max):
            guard case .string(let text) = node.value else {
                return fail("\(path) must be a size with a unit, got \(describe(node)); \(ByteSize.syntaxHint)")
            }
            guard let size = ByteSize(parsing: text) else {
                return fail("\(path): invalid size '\(text)'; \(ByteSize.syntaxHint)")
            }
            if let min, size < min { fail("\(path) must be at least \(min), got \(text)") }
            if let max, size > max { fail("\(path) must be at most \(max), got \(text)") }

        case .choice(let options):
            guard case .string(let text) = node.value else {
                return typeError("one of \(options.joined(separator: ", "))")
            }
            if !options.contains(text) {
                fail(
                    "\(path) must be one of \(options.joined(separator: ", ")), got '\(text)'"
                        + Suggestion.didYouMean(text, in: options))
            }

        case .list(let element, let minItems, let unique):
            guard case .sequence(let items) = node.value else { return typeError("a list") }
            if items.count < minItems {
                fail("\(path) must have at least \(minItems) item\(minItems == 1 ? "" : "s")")
            }
            var seen: [JSONValue: SourceLocation] = [:]
            for (index, item) in items.enumerated() {
                check(item, element, path: "\(path)[\(index)]", owner: item.range, into: &out)
                guard unique else { continue }
                let key = item.json
                if let first = seen[key] {
                    fail("\(path) lists \(quoted(item)) twice (first at \(first.line):\(first.column))", at: item.range)
                } else {
                    seen[key] = item.location
                }
            }

        case .object(let object):
            guard case .mapping(let entries) = node.value else { return typeError("a mapping") }
            checkObject(entries, object, node: node, path: path, owner: owner, into: &out)

        case .map(let keyRule, let values):
            guard case .mapping(let entries) = node.value else { return typeError("a mapping") }
            for entry in entries {
                if let violation = keyRule.violation(entry.key) { fail("\(path): \(violation)", at: entry.keyRange) }
                check(entry.value, values, path: "\(path).\(entry.key)", owner: entry.keyRange, into: &out)
            }

        case .anyMapping:
            guard case .mapping = node.value else { return typeError("a mapping") }
        }
    }

    private static func checkObject(
        _ entries: [Node.Entry], _ object: ObjectShape, node: Node, path: String, owner: SourceRange?,
        into out: inout [Diagnostic]
    ) {
        let known = object.fields.map(\.name)
        var suggested = Set<String>()
        for entry in entries {
            if let reason = object.forbidden[entry.key] {
                out.append(Diagnostic(at: entry.keyRange, "\(path).\(entry.key): \(reason)"))
                continue
            }
            guard let field = object.field(entry.key) else {
                let suggestion = Suggestion.closest(to: entry.key, in: known)
                if let suggestion { suggested.insert(suggestion) }
                out.append(
                    Diagnostic(
                        at: entry.keyRange,
                        "unknown key '\(entry.key)' in \(path)" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")))
                continue
            }
            // An explicit null on an optional key means "not set", as in Kubernetes manifests.
            if case .null = entry.value.value, !field.required { continue }
            check(entry.value, field.shape, path: "\(path).\(entry.key)", owner: entry.keyRange, into: &out)
        }
        let present = Set(entries.filter { if case .null = $0.value.value { false } else { true } }.map(\.key))
        // A misspelt key already says what is missing: no second error for the same mistake.
        for field in object.fields
        where field.required && !suggested.contains(field.name) && !entries.contains(where: { $0.key == field.name }) {
            out.append(Diagnostic(at: owner ?? node.range, "missing required key '\(field.name)' in \(path)"))
        }
        for group in object.exactlyOneOf {
            let given = group.filter(present.contains)
            if given.isEmpty {
                out.append(
                    Diagnostic(
                        at: owner ?? node.range,
                        "\(path) needs one of \(group.map { "'\($0)'" }.joined(separator: ", "))"))
            } else if given.count > 1 {
                let second = entries.first { $0.key == given[1] }!
                out.append(
                    Diagnostic(
                        at: second.keyRange,
                        "\(path) has both '\(given[0])' and '\(given[1])'; use exactly one of "
                            + group.joined(separator: ", ")))
            }
        }
    }

    private static func checkRange<T: Comparable>(
        _ value: T, min: T?, max: T?, path: String, fail: (String) -> Void
    ) {
        switch (min, max) {
        case (let min?, let max?) where value < min || value > max:
            fail("\(path) must be between \(format(min)) and \(format(max)), got \(format(value))")
        case (let min?, nil) where value < min:
            fail("\(path) must be at least \(format(min)), got \(format(value))")
        case (nil, let max?) where value > max:
            fail("\(path) must be at most \(format(max)), got \(format(value))")
        default:
            break
        }
    }
}
