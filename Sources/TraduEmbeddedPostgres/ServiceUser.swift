#if canImport(Glibc)
    import Glibc
#endif

/// The account the server runs as. initdb and postgres refuse to run as root, so as root they run as the
/// `postgres` user (the Debian/Ubuntu package creates it) and own the data and socket directories.
struct ServiceUser: Sendable {
    var name: String
    var uid: uid_t
    var gid: gid_t

    /// nil when not root: the programs run as the current user.
    static func forCurrentProcess(name: String = "postgres") throws -> ServiceUser? {
        guard geteuid() == 0 else { return nil }
        // getpwnam_r, not getpwnam: its static buffer is not thread-safe.
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getpwnam_r(name, &entry, &buffer, buffer.count, &found)
        guard status == 0, found != nil else {
            throw EmbeddedPostgresError.serviceUserMissing(user: name)
        }
        return ServiceUser(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// Whether this user can reach (search) `directory`: every directory on the way must let it through.
    func canTraverse(_ directory: String) -> Bool {
        (try? Subprocess(["test", "-x", directory]).runningAs(name).runBlocking().succeeded) ?? false
    }

    func chown(_ path: String) throws {
        if Glibc.chown(path, uid, gid) != 0 {
            throw EmbeddedPostgresError.invalidConfiguration(
                "could not give \(path) to user \(name): \(String(cString: strerror(errno)))")
        }
    }
}
