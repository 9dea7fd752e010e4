import Foundation
import TraduCore
import TraduStore

/// `tradu export` and the `jsonl` sink: one JSON Lines file per pipeline and target language
/// (`DIR/<pipeline>/<language>.jsonl`), in dataset order, each written to a temporary file and renamed, so a
/// reader never sees half a file and exporting twice gives the same bytes.
public struct ResultExporter: Sendable {
    public struct Written: Sendable, Hashable {
        public var path: String
        public var blocks: Int
        public var records: Int
    }

    public init() {}

    /// - Parameter flat: write `DIR/<language>.jsonl` (a pipeline's own sink folder) instead of
    ///   `DIR/<pipeline>/<language>.jsonl`.
    public func export(from store: Store, pipeline: String? = nil, to directory: String, flat: Bool = false)
        async throws -> [Written]
    {
        let rows = try await store.results(pipeline: pipeline)
        var files: [String: (text: String, blocks: Int, records: Int)] = [:]
        var order: [String] = []
        for row in rows {
            let path =
                flat
                ? "\(directory)/\(row.targetLanguage).jsonl"
                : "\(directory)/\(row.pipeline)/\(row.targetLanguage).jsonl"
            if files[path] == nil {
                files[path] = ("", 0, 0)
                order.append(path)
            }
            files[path]!.text += row.records
            files[path]!.blocks += 1
            files[path]!.records += row.records.reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
        }
        var written: [Written] = []
        for path in order {
            let file = files[path]!
            try Self.writeAtomically(file.text, to: path)
            written.append(Written(path: path, blocks: file.blocks, records: file.records))
        }
        return written
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw TraduError.configuration("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            throw TraduError.configuration("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
