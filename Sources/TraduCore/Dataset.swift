/// Where a dataset's documents are and how they are cut into blocks.
public struct Dataset: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case path(String)
        case glob(String)
        case url(String)
    }

    public enum Format: String, Sendable, Hashable {
        case jsonl, csv, text, lines
    }

    public enum InvalidRecordPolicy: String, Sendable, Hashable {
        case fail, skip
    }

    public var name: String
    public var source: Source
    public var format: Format
    public var idField: String
    public var textField: String
    public var sourceLanguage: String
    public var maxRecordsPerBlock: Int
    public var maxBytesPerBlock: ByteSize
    public var onInvalidRecord: InvalidRecordPolicy
    /// The `BlockCutter` version; nil until decided (the manifest's, else the environment's, else the latest).
    public var cutter: Int? = nil
    /// The folder of the manifest file that declared the dataset: relative paths resolve against it.
    public var baseDirectory: String
}

extension Dataset {
    static func decode(name: String, spec: Node, file: String, into diagnostics: inout [Diagnostic]) -> Dataset {
        let reader = SpecReader(spec, ManifestShapes.dataset)
        let sourceReader = reader.object("source")
        let source: Source =
            if let path = sourceReader.string("path") {
                .path(path)
            } else if let glob = sourceReader.string("glob") {
                .glob(glob)
            } else {
                .url(sourceReader.string("url") ?? "")
            }
        let format = Format(rawValue: reader.string("format") ?? "") ?? .jsonl
        if format == .text || format == .lines {
            for key in ["idField", "textField"] where reader.has(key) {
                diagnostics.append(
                    Diagnostic(
                        at: reader.range(key),
                        "spec.\(key) applies to jsonl and csv datasets only; a \(format.rawValue) dataset's ids are"
                            + (format == .text ? " file paths" : " line numbers")))
            }
        }
        if format == .text, case .url = source {
            diagnostics.append(
                Diagnostic(
                    at: reader.valueRange("format"),
                    "format 'text' reads one document per file and needs source.path (a folder) or source.glob"))
        }
        let blocks = reader.object("blocks")
        for case .path(let path) in [source] where path.hasPrefix("/") {
            diagnostics.append(
                Diagnostic(
                    at: sourceReader.valueRange("path"),
                    "spec.source.path must be relative to the manifest's folder, got absolute path '\(path)'"))
        }
        return Dataset(
            name: name, source: source, format: format,
            idField: reader.string("idField") ?? "id", textField: reader.string("textField") ?? "text",
            sourceLanguage: reader.string("sourceLanguage") ?? "",
            maxRecordsPerBlock: blocks.int("maxRecords") ?? 100,
            maxBytesPerBlock: blocks.size("maxBytes") ?? ByteSize(bytes: 256 << 10),
            onInvalidRecord: InvalidRecordPolicy(rawValue: reader.string("onInvalidRecord") ?? "") ?? .fail,
            cutter: blocks.int("cutter"), baseDirectory: Dataset.directory(of: file))
    }

    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return String(file[..<slash])
    }
}
