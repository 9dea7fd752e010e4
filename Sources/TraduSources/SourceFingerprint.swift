/// What a re-plan compares to tell whether a dataset's source changed without reading it again.
///
/// Files are stamped by size and modification time (the same test `make` and rsync use); URLs by the
/// validators the server sent. A URL whose server sends neither `ETag` nor `Last-Modified` cannot be proven
/// unchanged: `isConclusive` is false and the caller should read it again.
public enum SourceFingerprint: Sendable, Hashable, Codable {
    case files([FileStamp])
    case url(URLStamp)

    public struct FileStamp: Sendable, Hashable, Codable {
        /// Relative to the project directory, as diagnostics show it.
        public var path: String
        public var size: Int64
        /// Nanoseconds since 1970.
        public var modifiedNanoseconds: Int64

        public init(path: String, size: Int64, modifiedNanoseconds: Int64) {
            self.path = path
            self.size = size
            self.modifiedNanoseconds = modifiedNanoseconds
        }
    }

    public struct URLStamp: Sendable, Hashable, Codable {
        /// Redacted (no credentials, no query): fingerprints end up in plans and the database.
        public var url: String
        public var etag: String?
        public var lastModified: String?
        public var contentLength: Int64

        public init(url: String, etag: String?, lastModified: String?, contentLength: Int64) {
            self.url = url
            self.etag = etag
            self.lastModified = lastModified
            self.contentLength = contentLength
        }
    }

    /// False for a URL without `ETag` or `Last-Modified`: equal fingerprints then prove nothing.
    public var isConclusive: Bool {
        switch self {
        case .files: true
        case .url(let stamp): stamp.etag != nil || stamp.lastModified != nil
        }
    }
}
