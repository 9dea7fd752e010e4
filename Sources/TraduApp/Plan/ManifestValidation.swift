import TraduCore

/// `tradu validate`: load and compile the manifests, for one environment or for all of them.
public struct ManifestValidation: Sendable {
    public var loaded: ManifestLoader.Loaded
    public var compiled: ManifestCompiler.Result
    public var environment: String?

    public init(directory: String, environment: String?) {
        self.init(loader: ManifestLoader(directory: directory), environment: environment)
    }

    public init(loader: ManifestLoader, environment: String?) {
        self.init(loaded: loader.load(), environment: environment)
    }

    /// Compiles documents already loaded (`RawManifests.validation`).
    public init(loaded: ManifestLoader.Loaded, environment: String?) {
        self.loaded = loaded
        compiled = ManifestCompiler.compile(loaded.documents, environment: environment)
        self.environment = environment
    }

    /// Syntax errors first (their files contributed nothing), then everything the compiler found.
    public var diagnostics: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return (loaded.diagnostics + compiled.diagnostics).filter { seen.insert($0).inserted }.sortedByLocation()
    }

    public var isValid: Bool { !diagnostics.hasErrors }

    /// The versioned machine-readable report of `tradu validate -o json`.
    public var json: JSONValue {
        let problems = diagnostics
        return .object([
            ("formatVersion", .int(1)),
            ("valid", .bool(isValid)),
            ("environments", .array(compiled.environments.keys.sorted().map { .string($0) })),
            ("files", .array(loaded.files.map { .string($0) })),
            ("objects", .int(compiled.objects.count)),
            ("errorCount", .int(problems.filter { $0.severity == .error }.count)),
            ("warningCount", .int(problems.filter { $0.severity == .warning }.count)),
            ("diagnostics", .array(problems.map(\.json))),
        ])
    }
}

extension Diagnostic {
    /// `{"severity", "summary", "file", "range": {"start": {"line","column"}, "end": {...}}}`; lines and
    /// columns are 1-based.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("severity", .string(severity.rawValue)), ("summary", .string(message))]
        if let range {
            func position(_ location: SourceLocation) -> JSONValue {
                .object([("line", .int(location.line)), ("column", .int(location.column))])
            }
            members.append(("file", .string(range.start.file)))
            members.append(("range", .object([("start", position(range.start)), ("end", position(range.end))])))
        }
        members.append(("text", .string(description)))
        return .object(members)
    }
}
