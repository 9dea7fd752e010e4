import TraduCore

/// Turns `source.path` and `source.glob` into the sorted list of files to read, enforcing that everything
/// stays inside the project directory.
struct SourceLocator {
    let paths: ProjectPaths
    let dataset: Dataset

    /// A file, or for `format: text` a folder whose files (recursively, hidden ones excepted) are the
    /// documents.
    func files(forPath path: String) throws(SourceError) -> [SourceFile] {
        let absolute = paths.resolve(path, baseDirectory: dataset.baseDirectory)
        guard paths.isLexicallyInside(absolute) else {
            throw SourceError(.pathEscape, at: nil, "source.path '\(path)' is outside the project directory")
        }
        guard let status = FileStatus.of(absolute, followLinks: true) else {
            let reason = currentErrno()
            guard reason == .ENOENT || reason == .ENOTDIR else {
                throw SourceError(
                    .io, at: nil, "source.path '\(path)': cannot read \(paths.display(absolute)) (\(reason.text))")
            }
            throw SourceError(
                .notFound, at: nil, "source.path '\(path)' not found: \(paths.display(absolute)) does not exist")
        }
        let real = try paths.checkedRealPath(absolute, field: "source.path", value: path)
        switch status.type {
        case .directory:
            guard dataset.format == .text else {
                throw SourceError(
                    .invalidSource, at: nil,
                    "source.path '\(path)' is a folder; format '\(dataset.format.rawValue)' reads one file "
                        + "(use source.glob for several)")
            }
            let files = try FileWalker(paths: paths, field: "source.path", value: path).files(
                under: absolute, realBase: real, matching: GlobPattern(components: ["**", "*"]))
            guard !files.isEmpty else {
                throw SourceError(
                    .notFound, at: nil, "source.path '\(path)': folder \(paths.display(absolute)) has no files")
            }
            return files
        case .regular:
            let name = absolute.split(separator: "/").last.map(String.init) ?? path
            return [
                SourceFile(
                    path: real, displayPath: paths.display(absolute), relativePath: name, size: status.size,
                    modifiedNanoseconds: status.modifiedNanoseconds)
            ]
        default:
            throw SourceError(
                .invalidSource, at: nil, "source.path '\(path)': \(paths.display(absolute)) is not a regular file")
        }
    }

    /// The files matching a glob, ids relative to the glob's base (its leading components without
    /// wildcards). A glob that matches nothing is an error: an empty corpus is far more often a typo than
    /// intended, and planning it would cancel every block of the dataset.
    func files(forGlob glob: String) throws(SourceError) -> [SourceFile] {
        let components = glob.split(separator: "/", omittingEmptySubsequences: true)
        var literalCount = components.prefix { !GlobPattern.hasWildcard($0) }.count
        if literalCount == components.count { literalCount -= 1 }  // no wildcard: the last component is the pattern
        let patternComponents = components[literalCount...]
        if patternComponents.contains(where: { $0 == ".." || $0 == "." }) {
            throw SourceError(
                .invalidSource, at: nil, "source.glob '\(glob)' may not use '.' or '..' after its first wildcard")
        }
        let basePath = (glob.hasPrefix("/") ? "/" : "") + components[..<literalCount].joined(separator: "/")
        let base = paths.resolve(basePath, baseDirectory: dataset.baseDirectory)
        guard paths.isLexicallyInside(base) else {
            throw SourceError(.pathEscape, at: nil, "source.glob '\(glob)' is outside the project directory")
        }
        guard let status = FileStatus.of(base, followLinks: true), status.type == .directory else {
            throw SourceError(
                .notFound, at: nil,
                "source.glob '\(glob)' matches no files: folder \(paths.display(base)) does not exist")
        }
        let real = try paths.checkedRealPath(base, field: "source.glob", value: glob)
        let files = try FileWalker(paths: paths, field: "source.glob", value: glob).files(
            under: base, realBase: real, matching: GlobPattern(components: patternComponents))
        guard !files.isEmpty else {
            throw SourceError(.notFound, at: nil, "source.glob '\(glob)' matches no files in \(paths.display(base))")
        }
        return files
    }
}
