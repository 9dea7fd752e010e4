import Foundation
import Synchronization
import TraduCore
import TraduStore

/// `tradu export` and the `jsonl` sink: one JSON Lines file per pipeline and target language
/// (`DIR/<pipeline>/<language>.jsonl`), in dataset order, each written to a temporary file and renamed, so a
/// reader never sees half a file and exporting twice gives the same bytes. Results stream from the database a
/// batch at a time (`Store.forEachResultBatch`), so memory does not grow with the number of blocks.
public struct ResultExporter: Sendable {
    public struct Written: Sendable, Hashable {
        public var path: String
        public var blocks: Int
        public var records: Int
    }

    /// Results read from the database per round trip.
    public var batchSize: Int

    public init(batchSize: Int = 1000) {
        self.batchSize = batchSize
    }

    /// - Parameter flat: write `DIR/<language>.jsonl` (a pipeline's own sink folder) instead of
    ///   `DIR/<pipeline>/<language>.jsonl`.
    public func export(from store: Store, pipeline: String? = nil, to directory: String, flat: Bool = false)
        async throws -> [Written]
    {
        let files = OpenFiles()
        do {
            try await store.forEachResultBatch(pipeline: pipeline, batchSize: batchSize) { rows in
                for row in rows {
                    let path =
                        flat
                        ? "\(directory)/\(row.targetLanguage).jsonl"
                        : "\(directory)/\(row.pipeline)/\(row.targetLanguage).jsonl"
                    try files.append(row.records, to: path)
                }
            }
            return try files.finish()
        } catch {
            files.abandon()
            throw error
        }
    }

    /// The file being written (rows come grouped by file, so one at a time) and those finished. Used by one batch
    /// at a time, on the database connection's thread.
    final class OpenFiles: Sendable {
        struct Current {
            var path: String
            var temporary: String
            var handle: FileHandle
            var written: Written
        }

        private struct State {
            var current: Current?
            var finished: [Written] = []
        }

        private let state = Mutex(State())

        func append(_ records: String, to path: String) throws {
            try state.withLock { state in
                if state.current?.path != path {
                    if let current = state.current { state.finished.append(try Self.close(current)) }
                    state.current = try Self.open(path)
                }
                state.current!.handle.write(Data(records.utf8))
                state.current!.written.blocks += 1
                state.current!.written.records += records.utf8.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
            }
        }

        func finish() throws -> [Written] {
            try state.withLock { state in
                if let current = state.current { state.finished.append(try Self.close(current)) }
                state.current = nil
                return state.finished
            }
        }

        /// After a failure: the file being written is dropped; the ones already renamed stay (each is whole).
        func abandon() {
            state.withLock { state in
                if let current = state.current {
                    try? current.handle.close()
                    try? FileManager.default.removeItem(atPath: current.temporary)
                }
                state.current = nil
            }
        }

        private static func open(_ path: String) throws -> Current {
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = ResultExporter.temporaryPath(for: path)
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                let handle = FileHandle(forWritingAtPath: temporary)
            else { throw TraduError.configuration("cannot write \(temporary)") }
            return Current(
                path: path, temporary: temporary, handle: handle, written: Written(path: path, blocks: 0, records: 0))
        }

        private static func close(_ current: Current) throws -> Written {
            try current.handle.close()
            try ResultExporter.replace(current.path, with: current.temporary)
            return current.written
        }
    }

    static func temporaryPath(for path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return "\(directory)/.\((path as NSString).lastPathComponent).tmp-\(getpid())"
    }

    static func replace(_ path: String, with temporary: String) throws {
        guard rename(temporary, path) == 0 else {
            throw TraduError.configuration("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw TraduError.configuration("cannot write \(temporary)")
        }
        try replace(path, with: temporary)
    }
}
