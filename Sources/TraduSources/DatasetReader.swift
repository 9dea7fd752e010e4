import TraduCore
import TraduHTTP

/// Opens a dataset's source for streaming: resolves and checks local paths (or fetches the URL), lists a
/// glob's files, stamps the fingerprint, and picks the format's parser.
///
/// Paths are relative to the manifest's folder (`dataset.baseDirectory`, itself relative to `projectRoot`)
/// and may not leave `projectRoot`, neither with `..` nor through a symlink: a manifest from a pull request
/// must not make CI read `/etc` or a developer's home into a plan.
public struct DatasetReader: Sendable {
    public var dataset: Dataset
    public var projectRoot: String
    public var httpClient: HTTPClient?
    /// For `source.url`: the whole fetch, redirects included.
    public var fetchTimeout: Duration = .seconds(60)
    /// For `source.url`: larger bodies are refused.
    public var maxDownloadBytes = 2 << 30
    public var maxRedirects = 5

    /// - Parameter httpClient: used for `source.url`; one is made on demand when nil.
    public init(
        dataset: Dataset, projectRoot: String, httpClient: HTTPClient? = nil, fetchTimeout: Duration = .seconds(60)
    ) {
        self.dataset = dataset
        self.projectRoot = projectRoot
        self.httpClient = httpClient
        self.fetchTimeout = fetchTimeout
    }

    /// Opens the source (fetching an http(s) URL to a temp file first, or listing a glob) and returns a pull
    /// iterator over its records.
    public func open() async throws(SourceError) -> RecordStream {
        do {
            return try await openUnlabelled()
        } catch {
            throw error.inDataset(dataset.name)
        }
    }

    private func openUnlabelled() async throws(SourceError) -> RecordStream {
        let paths = try ProjectPaths(projectRoot: projectRoot)
        switch dataset.source {
        case .url(let url):
            let download = URLDownload(
                url: url, client: httpClient ?? HTTPClient(maxConcurrentRequests: 1), timeout: fetchTimeout,
                maxBytes: maxDownloadBytes, maxRedirects: maxRedirects)
            let fetched = try await download.fetch()
            let reader = LineReader(descriptor: fetched.descriptor, displayPath: fetched.stamp.url)
            return stream(parser: try lineParser(reader, fileIndex: 0), files: [fetched.stamp.url], .url(fetched.stamp))
        case .path(let path):
            return try stream(files: try SourceLocator(paths: paths, dataset: dataset).files(forPath: path))
        case .glob(let glob):
            return try stream(files: try SourceLocator(paths: paths, dataset: dataset).files(forGlob: glob))
        }
    }

    private func stream(files: [SourceFile]) throws(SourceError) -> RecordStream {
        let parser: any RecordParser =
            dataset.format == .text
            ? TextFileRecordParser(files: files)
            : FileSequenceParser(files: files) { file, index throws(SourceError) in
                try lineParser(LineReader.open(path: file.path, displayPath: file.displayPath), fileIndex: index)
            }
        return stream(parser: parser, files: files.map(\.displayPath), .files(files.map(\.stamp)))
    }

    private func stream(parser: any RecordParser, files: [String], _ fingerprint: SourceFingerprint) -> RecordStream {
        RecordStream(
            dataset: dataset.name, policy: dataset.onInvalidRecord, parser: parser, fileNames: files,
            fingerprint: fingerprint)
    }

    /// The parser of a line-based format over one file.
    private func lineParser(_ reader: LineReader, fileIndex: Int) throws(SourceError) -> any RecordParser {
        switch dataset.format {
        case .jsonl:
            JSONLRecordParser(
                reader: reader, idField: dataset.idField, textField: dataset.textField, fileIndex: fileIndex)
        case .csv:
            CSVRecordParser(
                reader: reader, idField: dataset.idField, textField: dataset.textField, fileIndex: fileIndex)
        case .lines:
            LinesRecordParser(reader: reader, fileIndex: fileIndex)
        case .text:
            throw SourceError(
                .invalidSource, at: nil,
                "format 'text' reads one document per file and needs source.path (a folder) or source.glob")
        }
    }
}
