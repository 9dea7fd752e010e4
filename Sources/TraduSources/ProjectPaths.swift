import Glibc
import TraduCore

/// Resolves dataset paths against the project directory and keeps them inside it.
///
/// Two checks, because each misses something: a lexical one on the normalised path (`../` that climbs out,
/// reported with the path the user wrote), and one on real paths after symlinks are resolved (a link inside
/// the project pointing at `/etc`). Display paths are relative to the project directory, like the manifest
/// diagnostics, so `manifests/data/x.jsonl:17:1` is clickable from where tradu runs.
struct ProjectPaths {
    /// Absolute and normalised, symlinks not resolved.
    let root: String
    /// `realpath(root)`.
    let realRoot: String

    init(projectRoot: String) throws(SourceError) {
        let absolute = projectRoot.hasPrefix("/") ? projectRoot : Self.currentDirectory() + "/" + projectRoot
        root = Self.normalize(absolute)
        guard let real = Self.realPath(root) else {
            throw SourceError(
                .notFound, at: nil, "project directory '\(projectRoot)' does not exist (\(currentErrno().text))")
        }
        realRoot = real
    }

    /// `baseDirectory/path` made absolute under the project directory, normalised.
    func resolve(_ path: String, baseDirectory: String) -> String {
        if path.hasPrefix("/") { return Self.normalize(path) }
        let base = baseDirectory.hasPrefix("/") ? baseDirectory : root + "/" + baseDirectory
        return Self.normalize(base + "/" + path)
    }

    /// Relative to the project directory when inside it, otherwise absolute.
    func display(_ absolute: String) -> String {
        if absolute == root { return "." }
        let prefix = root == "/" ? "/" : root + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }

    func isLexicallyInside(_ absolute: String) -> Bool {
        Self.isInside(absolute, root)
    }

    /// The real path of `absolute`, which must exist; throws if it lies outside the project's real path.
    func checkedRealPath(_ absolute: String, field: String, value: String) throws(SourceError) -> String {
        guard let real = Self.realPath(absolute) else {
            throw SourceError(
                .notFound, at: nil,
                "\(field) '\(value)': cannot resolve \(display(absolute)) (\(currentErrno().text))")
        }
        guard Self.isInside(real, realRoot) else {
            throw SourceError(
                .pathEscape, at: nil,
                "\(field) '\(value)' resolves to '\(real)' through a symlink, outside the project directory")
        }
        return real
    }

    func isRealPathInside(_ real: String) -> Bool {
        Self.isInside(real, realRoot)
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        directory == "/" || path == directory || path.hasPrefix(directory + "/")
    }

    /// Collapses `.`, `..` and repeated slashes of an absolute path without touching the file system.
    static func normalize(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func currentDirectory() -> String {
        guard let directory = getcwd(nil, 0) else { return "/" }
        defer { free(directory) }
        return String(cString: directory)
    }
}
