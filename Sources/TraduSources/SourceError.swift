import TraduCore

/// Why a dataset could not be read, or the first bad record under `onInvalidRecord: fail`.
///
/// `kind` lets callers tell the user's data (`badRecord`, `invalidSource`) from the environment (`http`,
/// `timeout`, `io`), which matters for retry classification; `diagnostic` is what people read.
public struct SourceError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The file, folder or glob matches nothing.
        case notFound
        /// A path, glob or symlink leads outside the project directory.
        case pathEscape
        /// The source as a whole does not fit its format (a CSV header without the id column, a folder given
        /// for a one-file format).
        case invalidSource
        /// One record is malformed, duplicated or not UTF-8.
        case badRecord
        /// The URL could not be fetched or answered with a non-2xx status.
        case http
        /// The URL took longer than the fetch timeout.
        case timeout
        /// Reading a local file failed.
        case io
    }

    public var kind: Kind
    /// The dataset being read; filled in by `DatasetReader` and `RecordStream`.
    public var dataset: String
    public var diagnostic: Diagnostic

    public init(_ kind: Kind, dataset: String = "", _ diagnostic: Diagnostic) {
        self.kind = kind
        self.dataset = dataset
        self.diagnostic = diagnostic
    }

    init(_ kind: Kind, at location: SourceLocation?, _ message: String) {
        self.init(kind, Diagnostic(at: location.map { SourceRange(at: $0) }, message))
    }

    /// `file:line:col: error: message`, or for problems with no place in a data file
    /// `error: dataset 'name': message`.
    public var description: String { diagnostic.description }

    /// Names the dataset, in `dataset` and, when the diagnostic has no file location to go by, in its
    /// message: callers often show only the diagnostic.
    func inDataset(_ name: String) -> SourceError {
        guard dataset.isEmpty else { return self }
        var copy = self
        copy.dataset = name
        if copy.diagnostic.range == nil { copy.diagnostic.message = "dataset '\(name)': " + copy.diagnostic.message }
        return copy
    }
}
