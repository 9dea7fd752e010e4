import TraduCore

/// Loads YAML streams into `Node` trees with a source range on every node.
public enum YAMLLoader {
    /// Parses every document of a YAML stream.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents, UTF-8 (or UTF-16 with a byte order mark).
    ///   - file: the name put into every `SourceLocation`.
    /// - Returns: one node per document; a document with no content (`---` alone) is a `.null` node. Input
    ///   with no document at all (empty, or only comments) yields an empty array.
    /// - Throws: the first problem found, with its position.
    public static func load(_ bytes: [UInt8], file: String, limits: YAMLLimits = .default) throws(Diagnostic) -> [Node]
    {
        if bytes.count > limits.maxInputBytes {
            throw Diagnostic(
                at: SourceLocation(file: file, line: 1, column: 1),
                "file is too large: \(bytes.count) bytes, the limit is \(limits.maxInputBytes)")
        }
        var composer = YAMLComposer(reader: try LibYAMLEventReader(bytes, file: file), file: file, limits: limits)
        return try composer.documents()
    }
}
