import Glibc

/// The parts of `stat(2)` the readers need.
struct FileStatus {
    enum FileType {
        case regular, directory, symlink, other
    }

    var type: FileType
    var size: Int64
    var modifiedNanoseconds: Int64

    /// `lstat` when `followLinks` is false, so a walker can see a symlink before deciding to follow it.
    /// nil when the call fails (`errno` says why).
    static func of(_ path: String, followLinks: Bool) -> FileStatus? {
        var info = stat()
        let status = followLinks ? stat(path, &info) : lstat(path, &info)
        guard status == 0 else { return nil }
        return FileStatus(info)
    }

    static func of(descriptor: Int32) -> FileStatus? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return FileStatus(info)
    }

    private init(_ info: stat) {
        switch info.st_mode & 0o170000 {
        case 0o100000: type = .regular
        case 0o040000: type = .directory
        case 0o120000: type = .symlink
        default: type = .other
        }
        size = Int64(info.st_size)
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}

extension POSIXErrorCode {
    /// strerror's text, for messages.
    var text: String { String(cString: strerror(rawValue)) }
}

/// The last errno as a code.
func currentErrno() -> POSIXErrorCode {
    POSIXErrorCode(rawValue: errno) ?? .EIO
}
