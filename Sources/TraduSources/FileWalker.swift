import Glibc

/// Lists the files under a folder that match a glob, sorted by relative path so every run reads them in the
/// same order.
///
/// Symlinks are followed only when their target is inside the project directory; one pointing outside is an
/// error rather than a silent skip, since it usually means data is missing from the corpus. Folders reached
/// twice through links are walked once.
struct FileWalker {
    let paths: ProjectPaths
    let field: String
    let value: String

    /// `base` is absolute (lexical, inside the project) and `realBase` its checked real path.
    func files(under base: String, realBase: String, matching pattern: GlobPattern) throws(SourceError) -> [SourceFile]
    {
        var found: [SourceFile] = []
        var visited: Set<String> = [realBase]
        try walk(
            directory: realBase, lexical: base, relative: "", states: pattern.initialStates, pattern: pattern,
            visited: &visited, into: &found)
        found.sort { $0.relativePath < $1.relativePath }
        return found
    }

    private func walk(
        directory: String, lexical: String, relative: String, states: [Int], pattern: GlobPattern,
        visited: inout Set<String>, into found: inout [SourceFile]
    ) throws(SourceError) {
        for name in try entries(of: directory, lexical: lexical) {
            let next = pattern.step(states, name: name)
            guard !next.isEmpty else { continue }
            let path = directory + "/" + name
            let lexicalPath = lexical + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            guard var status = FileStatus.of(path, followLinks: false) else { continue }
            var realPath = path
            if status.type == .symlink {
                realPath = try checkedLinkTarget(path, lexical: lexicalPath)
                guard let target = FileStatus.of(realPath, followLinks: true) else { continue }
                status = target
            }
            switch status.type {
            case .directory where pattern.canDescend(next):
                guard visited.insert(realPath).inserted else { continue }
                try walk(
                    directory: realPath, lexical: lexicalPath, relative: childRelative, states: next,
                    pattern: pattern, visited: &visited, into: &found)
            case .regular where pattern.accepts(next):
                found.append(
                    SourceFile(
                        path: realPath, displayPath: paths.display(lexicalPath), relativePath: childRelative,
                        size: status.size, modifiedNanoseconds: status.modifiedNanoseconds))
            default:
                continue
            }
        }
    }

    private func checkedLinkTarget(_ path: String, lexical: String) throws(SourceError) -> String {
        guard let real = ProjectPaths.realPath(path) else {
            throw SourceError(
                .notFound, at: nil, "\(field) '\(value)': \(paths.display(lexical)) is a broken symlink")
        }
        guard paths.isRealPathInside(real) else {
            throw SourceError(
                .pathEscape, at: nil,
                "\(field) '\(value)': \(paths.display(lexical)) is a symlink to '\(real)', outside the project directory"
            )
        }
        return real
    }

    private func entries(of directory: String, lexical: String) throws(SourceError) -> [String] {
        guard let stream = opendir(directory) else {
            throw SourceError(
                .io, at: nil, "\(field) '\(value)': cannot list \(paths.display(lexical)) (\(currentErrno().text))")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
