import Foundation

/// Finds the program of a command, as a shell would, but without one.
enum ExecutableLookup {
    enum Failure: Error {
        case notFound
        case notExecutable(String)
    }

    /// `program` itself when it holds a `/` (relative to the working directory), otherwise the first
    /// executable file of that name in the `PATH` of `environment`.
    static func resolve(_ program: String, environment: [String: String]) -> Result<String, Failure> {
        if program.contains("/") {
            let path = URL(fileURLWithPath: program).standardizedFileURL.path
            guard FileManager.default.fileExists(atPath: path) else { return .failure(.notFound) }
            return isExecutableFile(path) ? .success(path) : .failure(.notExecutable(path))
        }
        let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = String(directory) + (directory.hasSuffix("/") ? "" : "/") + program
            if isExecutableFile(candidate) { return .success(URL(fileURLWithPath: candidate).path) }
        }
        return .failure(.notFound)
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
