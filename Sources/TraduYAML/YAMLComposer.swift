import TraduCore

/// Builds `Node` trees from libyaml events: resolves anchors and aliases, merge keys and tags, and enforces
/// `YAMLLimits` while it goes, so an oversized document fails before it is built.
struct YAMLComposer {
    /// A built node with what alias checks need to know about it.
    private struct Composed {
        var node: Node
        /// Nodes in the subtree, aliases counted at their expanded size.
        var weight: Int
        /// Collection levels in the subtree: 0 for a scalar.
        var height: Int
        /// The scalar's text as written, used when the node is a mapping key.
        var keyText: String?
    }

    private let reader: LibYAMLEventReader
    private let file: String
    private let limits: YAMLLimits
    private var nodeCount = 0
    /// Anchors of the current document; YAML scopes them per document.
    private var anchors: [String: Composed] = [:]

    init(reader: LibYAMLEventReader, file: String, limits: YAMLLimits) {
        self.reader = reader
        self.file = file
        self.limits = limits
    }

    mutating func documents() throws(Diagnostic) -> [Node] {
        var documents: [Node] = []
        while true {
            let event = try reader.next()
            switch event.kind {
            case .streamStart:
                continue
            case .streamEnd:
                return documents
            case .documentStart:
                anchors = [:]
                let root = try compose(reader.next(), depth: 0)
                let end = try reader.next()
                guard case .documentEnd = end.kind else { throw unexpected(end) }
                documents.append(root.node)
            default:
                throw unexpected(event)
            }
        }
    }

    /// - Parameter depth: how many collections enclose this node.
    private mutating func compose(_ event: YAMLEvent, depth: Int) throws(Diagnostic) -> Composed {
        let range = self.range(event)
        switch event.kind {
        case .alias(let anchor):
            guard let target = anchors[anchor] else {
                throw Diagnostic(at: range, "alias '*\(anchor)' refers to an undefined anchor")
            }
            if depth + target.height > limits.maxDepth {
                throw Diagnostic(at: range, "nesting is deeper than \(limits.maxDepth) levels")
            }
            try count(target.weight, at: range)
            return target
        case .scalar(let scalar):
            try count(1, at: range)
            let value = try ScalarResolver.resolve(scalar, range: range)
            let composed = Composed(
                node: Node(value, range: range), weight: 1, height: 0, keyText: value == .null ? nil : scalar.text)
            remember(composed, as: scalar.anchor)
            return composed
        case .sequenceStart(let anchor, let tag):
            try checkCollection(tag: tag, expected: .seq, kind: "a list", depth: depth, range: range)
            try count(1, at: range)
            var elements: [Node] = []
            var weight = 1
            var height = 0
            while true {
                let next = try reader.next()
                if case .sequenceEnd = next.kind {
                    let node = Node(
                        .sequence(elements), range: SourceRange(start: range.start, end: location(next.end)))
                    let composed = Composed(node: node, weight: weight, height: height + 1)
                    remember(composed, as: anchor)
                    return composed
                }
                let element = try compose(next, depth: depth + 1)
                elements.append(element.node)
                weight += element.weight
                height = max(height, element.height)
            }
        case .mappingStart(let anchor, let tag):
            try checkCollection(tag: tag, expected: .map, kind: "a mapping", depth: depth, range: range)
            try count(1, at: range)
            var builder = MappingBuilder()
            var weight = 1
            var height = 0
            while true {
                let keyEvent = try reader.next()
                if case .mappingEnd = keyEvent.kind {
                    let node = Node(
                        .mapping(builder.build()), range: SourceRange(start: range.start, end: location(keyEvent.end)))
                    let composed = Composed(node: node, weight: weight, height: height + 1)
                    remember(composed, as: anchor)
                    return composed
                }
                let isMergeKey: Bool
                if case .scalar(let scalar) = keyEvent.kind {
                    isMergeKey = scalar.text == "<<" && scalar.isPlain && scalar.tag == nil
                } else {
                    isMergeKey = false
                }
                let key = try compose(keyEvent, depth: depth + 1)
                let value = try compose(reader.next(), depth: depth + 1)
                weight += key.weight + value.weight
                height = max(height, value.height)
                if isMergeKey {
                    try builder.merge(value.node, keyRange: key.node.range)
                } else {
                    try builder.add(Node.Entry(key: keyText(key), keyRange: key.node.range, value: value.node))
                }
            }
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw unexpected(event)
        }
    }

    private func keyText(_ key: Composed) throws(Diagnostic) -> String {
        switch key.node.value {
        case .sequence, .mapping:
            throw Diagnostic(at: key.node.range, "mapping keys must be scalars")
        case .null:
            throw Diagnostic(at: key.node.range, "mapping keys must not be null")
        case .bool, .int, .float, .string:
            return key.keyText ?? ""
        }
    }

    private func checkCollection(
        tag: String?, expected: YAMLTag, kind: String, depth: Int, range: SourceRange
    ) throws(Diagnostic) {
        if let tag {
            guard let known = YAMLTag(tag) else {
                throw Diagnostic(at: range, "unknown tag '\(YAMLTag.display(tag))'")
            }
            guard known == expected || known == .nonSpecific else {
                throw Diagnostic(at: range, "tag \(YAMLTag.display(tag)) cannot be used on \(kind)")
            }
        }
        if depth + 1 > limits.maxDepth {
            throw Diagnostic(at: range, "nesting is deeper than \(limits.maxDepth) levels")
        }
    }

    private mutating func count(_ weight: Int, at range: SourceRange) throws(Diagnostic) {
        nodeCount += weight
        if nodeCount > limits.maxNodes {
            throw Diagnostic(
                at: range, "too many nodes: more than \(limits.maxNodes), counting each alias at its expanded size")
        }
    }

    private mutating func remember(_ composed: Composed, as anchor: String?) {
        if let anchor { anchors[anchor] = composed }
    }

    private func range(_ event: YAMLEvent) -> SourceRange {
        SourceRange(start: location(event.start), end: location(event.end))
    }

    private func location(_ mark: YAMLMark) -> SourceLocation {
        mark.location(in: file)
    }

    private func unexpected(_ event: YAMLEvent) -> Diagnostic {
        Diagnostic(at: range(event), "unexpected YAML event \(event.kind)")
    }
}
