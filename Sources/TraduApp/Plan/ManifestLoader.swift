import Foundation
import TraduCore
import TraduYAML

/// Reads every `*.yaml` / `*.yml` file under a manifest folder (recursively, in a stable order) and parses
/// them into documents. A file that does not parse contributes its syntax error and no documents; the
/// others are still read, so one run reports every problem.
public struct ManifestLoader: Sendable {
    public struct Loaded: Sendable {
        public var documents: [Node]
        public var diagnostics: [Diagnostic]
        public var files: [String]
        /// Path → text of every file read, as `files` names them: the raw manifests a revision records.
        public var texts: [String: String] = [:]
    }

    /// Larger manifest files are refused: manifests describe data, they are not data.
    public static let maxFileBytes = 8 << 20

    public let directory: String
    /// Explicit files to read instead of the folder's (tests, single-file checks).
    public let explicitFiles: [String]?

    public init(directory: String) {
        self.directory = directory
        self.explicitFiles = nil
    }

    public init(files: [String]) {
        self.directory = "."
        self.explicitFiles = files
    }

    public func load() -> Loaded {
        if let explicitFiles { return parse(explicitFiles) }
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return Loaded(
                documents: [],
                diagnostics: [Diagnostic(at: nil as SourceRange?, "manifest folder '\(directory)' does not exist")],
                files: [])
        }
        if !isDirectory.boolValue, directory.hasSuffix(".yaml") || directory.hasSuffix(".yml") {
            return parse([directory])
        }
        guard isDirectory.boolValue else {
            return Loaded(
                documents: [],
                diagnostics: [Diagnostic(at: nil as SourceRange?, "'\(directory)' is not a folder of manifests")],
                files: [])
        }
        let files = manifestFiles()
        guard !files.isEmpty else {
            return Loaded(
                documents: [],
                diagnostics: [
                    Diagnostic(at: nil as SourceRange?, "no manifests (*.yaml, *.yml) found in '\(directory)'")
                ], files: [])
        }
        return parse(files)
    }

    private func parse(_ files: [String]) -> Loaded {
        let fileManager = FileManager.default
        var documents: [Node] = []
        var diagnostics: [Diagnostic] = []
        var texts: [String: String] = [:]
        for file in files {
            guard let data = fileManager.contents(atPath: file) else {
                diagnostics.append(Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "cannot read file"))
                continue
            }
            if data.count > Self.maxFileBytes {
                diagnostics.append(
                    Diagnostic(
                        at: SourceLocation(file: file, line: 1, column: 1),
                        "file is \(data.count) bytes; manifest files are limited to \(Self.maxFileBytes) bytes"))
                continue
            }
            texts[file] = String(decoding: data, as: UTF8.self)
            do {
                documents += try YAMLLoader.load([UInt8](data), file: file)
            } catch {
                diagnostics.append(error)
            }
        }
        return Loaded(documents: documents, diagnostics: diagnostics, files: files, texts: texts)
    }

    /// Paths as the user would write them: `manifests/engines.yaml`, sorted for a stable order.
    func manifestFiles() -> [String] {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        guard let enumerator = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { continue }
            files.append(base == "." ? relative : "\(base)/\(relative)")
        }
        return files.sorted()
    }
}
