import Foundation

/// Where one embedded cluster's files are. Chosen once, at first `up()`, and saved in `<home>/postgres.json`
/// so later runs (and `tradu db status`) find the same cluster even when it lives outside the home.
struct ClusterLayout: Codable, Sendable, Equatable {
    /// Holds `data/` and `postgres.log`: `<home>/postgres`, or a fallback under /var/lib/tradu.
    var clusterDirectory: String
    var port: Int
    var socketDirectory: String

    var dataDirectory: String { clusterDirectory + "/data" }
    var logFile: String { clusterDirectory + "/postgres.log" }
    var socketPath: String { "\(socketDirectory)/.s.PGSQL.\(port)" }
    var socketLockFile: String { socketPath + ".lock" }
    var isInitialised: Bool { FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") }

    /// Unix socket paths must fit `sockaddr_un.sun_path` (108 bytes with the NUL).
    static let maximumSocketPathLength = 107

    static func stateFile(home: String) -> String { home + "/postgres.json" }

    static func load(home: String) throws -> ClusterLayout? {
        let path = stateFile(home: home)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(ClusterLayout.self, from: data)
        } catch {
            throw EmbeddedPostgresError.invalidConfiguration("\(path) is not a valid tradu state file: \(error)")
        }
    }

    func save(home: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: ClusterLayout.stateFile(home: home)), options: .atomic)
    }

    /// The connection URL for `database` as `user` over the unix socket.
    func url(database: String, user: String) -> String {
        let host =
            socketDirectory.addingPercentEncoding(withAllowedCharacters: ClusterLayout.uriSafe) ?? socketDirectory
        let encodedUser = user.addingPercentEncoding(withAllowedCharacters: ClusterLayout.uriSafe) ?? user
        let encodedDatabase = database.addingPercentEncoding(withAllowedCharacters: ClusterLayout.uriSafe) ?? database
        return "postgresql://\(encodedUser)@/\(encodedDatabase)?host=\(host)&port=\(port)"
    }

    private static let uriSafe = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")
}
