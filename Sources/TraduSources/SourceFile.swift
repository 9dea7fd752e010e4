/// One local file a dataset reads, found by resolving `source.path` or walking `source.glob`.
struct SourceFile {
    /// The real path, opened for reading.
    var path: String
    /// Relative to the project directory, for diagnostics and record locations.
    var displayPath: String
    /// Relative to the folder or glob base: the document id of a `text` dataset.
    var relativePath: String
    var size: Int64
    var modifiedNanoseconds: Int64

    var stamp: SourceFingerprint.FileStamp {
        SourceFingerprint.FileStamp(path: displayPath, size: size, modifiedNanoseconds: modifiedNanoseconds)
    }
}
