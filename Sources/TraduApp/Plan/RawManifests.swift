import Foundation
import TraduCore
import TraduYAML

/// Every manifest file of a project as written, before overrides: what a revision stores so that its freight can
/// be compiled again, for another environment, with that environment's own overrides (`tradu promote`).
///
/// Files are kept by their path relative to the manifest folder, and compiled as if they were read from a folder
/// again, so dataset paths resolve the same way and diagnostics name the same files.
public struct RawManifests: Sendable, Hashable {
    public struct File: Sendable, Hashable {
        /// Relative to the manifest folder, e.g. `pipelines.yaml`, `team/datasets.yaml`.
        public var path: String
        public var text: String
    }

    public var files: [File]

    public init(files: [File]) {
        self.files = files.sorted { $0.path < $1.path }
    }

    /// The files `loaded` read from `directory`, by their paths relative to it.
    public init(_ loaded: ManifestLoader.Loaded, directory: String) {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.init(
            files: loaded.texts.map { path, text in
                let relative =
                    base == "." || !path.hasPrefix(base + "/") ? path : String(path.dropFirst(base.count + 1))
                return File(path: relative, text: text)
            })
    }

    /// `[{"path", "text"}]`, as stored in `revisions.raw_manifests`.
    public var json: JSONValue {
        .array(files.map { .object([("path", .string($0.path)), ("text", .string($0.text))]) })
    }

    /// Identity of the raw manifests: every file's path and exact text.
    public var digest: String {
        var text = "tradu-raw-manifests/v1\n"
        for file in files { text += "\(file.path.utf8.count):\(file.path)\(file.text.utf8.count):\(file.text)" }
        return ContentHash.hex(of: text)
    }

    /// Parses what `json` wrote; `name` says where it came from in errors.
    public static func parse(_ text: String, name: String) throws -> RawManifests {
        guard case .array(let items) = try JSONText.parse(text, name: name) else {
            throw TraduError.configuration("\(name) is not a list of manifest files")
        }
        var files: [File] = []
        for item in items {
            guard case .object(let members) = item,
                case .string(let path)? = members.first(where: { $0.0 == "path" })?.1,
                case .string(let body)? = members.first(where: { $0.0 == "text" })?.1
            else { throw TraduError.configuration("\(name) holds an entry that is not {path, text}") }
            files.append(File(path: path, text: body))
        }
        return RawManifests(files: files)
    }

    /// Compiles the files as if read from `directory` (dataset paths resolve against it), for `environment`.
    public func validation(directory: String, environment: String?) -> ManifestValidation {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var documents: [Node] = []
        var diagnostics: [Diagnostic] = []
        var paths: [String] = []
        for file in files {
            let path = base == "." ? file.path : "\(base)/\(file.path)"
            paths.append(path)
            do {
                documents += try YAMLLoader.load(Array(file.text.utf8), file: path)
            } catch {
                diagnostics.append(error)
            }
        }
        return ManifestValidation(
            loaded: ManifestLoader.Loaded(documents: documents, diagnostics: diagnostics, files: paths),
            environment: environment)
    }
}
