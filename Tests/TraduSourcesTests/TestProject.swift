import Foundation
import TraduSources

@testable import TraduCore

/// A project directory in a temp folder with a `manifests/` folder, deleted on deinit.
final class TestProject {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tradu-sources-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/manifests", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes `bytes` to `path` (relative to the project root), creating folders.
    func write(_ path: String, bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: root + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func write(_ path: String, _ text: String) throws {
        try write(path, bytes: Array(text.utf8))
    }

    func symlink(_ path: String, to destination: String) throws {
        let url = URL(fileURLWithPath: root + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: destination)
    }

    func reader(_ dataset: Dataset) -> DatasetReader {
        DatasetReader(dataset: dataset, projectRoot: root)
    }

    /// Every record of `dataset`, and the stream (for skipped records and the fingerprint).
    func readAll(_ dataset: Dataset) async throws -> (records: [SourceRecord], stream: RecordStream) {
        let stream = try await reader(dataset).open()
        var records: [SourceRecord] = []
        while let record = try stream.next() { records.append(record) }
        return (records, stream)
    }
}

/// A dataset declared in `manifests/`, as the manifest compiler would produce it.
func makeDataset(
    _ source: Dataset.Source, format: Dataset.Format = .jsonl, idField: String = "id", textField: String = "text",
    onInvalidRecord: Dataset.InvalidRecordPolicy = .fail, baseDirectory: String = "manifests"
) -> Dataset {
    Dataset(
        name: "docs", source: source, format: format, idField: idField, textField: textField, sourceLanguage: "en",
        maxRecordsPerBlock: 100, maxBytesPerBlock: ByteSize(bytes: 256 << 10), onInvalidRecord: onInvalidRecord,
        baseDirectory: baseDirectory)
}
