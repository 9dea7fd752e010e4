import Foundation

/// Where the PostgreSQL server programs are.
struct PostgresBinaries: Sendable {
    var directory: String
    var initdb: String { directory + "/initdb" }
    var pgCtl: String { directory + "/pg_ctl" }

    private static let required = ["initdb", "pg_ctl", "postgres"]

    /// `explicit` if given (and nothing else); otherwise /usr/lib/postgresql/<version>/bin, preferring
    /// `preferredMajor` then the highest version, then every PATH directory.
    static func locate(explicit: String?, preferredMajor: String? = nil) throws -> PostgresBinaries {
        let candidates = explicit.map { [$0] } ?? searchPath(preferredMajor: preferredMajor)
        for directory in candidates where required.allSatisfy({ isExecutable(directory + "/" + $0) }) {
            return PostgresBinaries(directory: directory)
        }
        let shown = explicit.map { [$0] } ?? ["/usr/lib/postgresql/*/bin", "PATH"]
        throw EmbeddedPostgresError.binariesNotFound(searched: shown)
    }

    private static func searchPath(preferredMajor: String?) -> [String] {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { Double($0) != nil }
            .sorted { Double($0)! > Double($1)! }
        var ordered = versions
        if let preferredMajor, let index = ordered.firstIndex(of: preferredMajor) {
            ordered.insert(ordered.remove(at: index), at: 0)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return ordered.map { "\(root)/\($0)/bin" } + path.split(separator: ":").map(String.init)
    }

    /// The major version, from `pg_ctl --version` ("pg_ctl (PostgreSQL) 15.8 (Debian ...)").
    func majorVersion() throws -> String {
        let outcome = try Subprocess([pgCtl, "--version"]).runBlocking()
        guard outcome.succeeded,
            let version = outcome.output.split(separator: " ").first(where: { $0.first?.isNumber == true })
        else {
            throw EmbeddedPostgresError.commandFailed(
                command: "\(pgCtl) --version", status: outcome.status, output: outcome.output)
        }
        return String(version.split(separator: ".").first ?? version)
    }
}
